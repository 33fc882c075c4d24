import { createHash } from "node:crypto";
import type { DeliveredMessage } from "./types.js";

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1b1f; --muted: #5c5c66; --bg: #f6f6f8; --card: #fff; --line: #d9d9e0; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececf1; --muted: #a4a4b0; --bg: #141418; --card: #1e1e24; --line: #34343d; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0 0; }
.warn { color: var(--muted); margin: 0.25rem 0 1rem; }
form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; }
label { display: flex; flex-direction: column; font-size: 0.9rem; color: var(--muted); flex: 1 1 14rem; }
input, button, .button { font: inherit; padding: 0.45rem 0.7rem; border: 1px solid var(--line); border-radius: 0.4rem; background: var(--card); color: var(--fg); }
.button { text-decoration: none; }
ol { list-style: none; padding: 0; margin: 0; }
li { background: var(--card); border: 1px solid var(--line); border-radius: 0.6rem; padding: 0.9rem 1rem; margin: 0 0 0.8rem; }
.code { font: 700 2rem/1.2 ui-monospace, "SF Mono", Menlo, Consolas, monospace; letter-spacing: 0.12em; color: var(--accent); overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: 0.9rem; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.channel { text-transform: uppercase; font-weight: 600; letter-spacing: 0.05em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; margin: 0.5rem 0 0; padding: 0.5rem 0.7rem; border-left: 3px solid var(--line); }
.sids { font: 0.8rem ui-monospace, Menlo, Consolas, monospace; color: var(--muted); overflow-wrap: anywhere; }
`;
const STYLE_HASH = createHash("sha256").update(STYLE, "utf8").digest("base64");

/** The Content-Security-Policy of the inbox page: no script at all, only its own style block. */
export const INBOX_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the inbox page shows besides the messages. */
export interface InboxView {
  /** The `to` filter as typed (shown back in the form). */
  filterTo?: string;
  /** The token to carry in links and the form, when the page was opened with `?token=`. */
  queryToken?: string;
}

function messageItem(message: DeliveredMessage): string {
  return `<li>
<div class="code" aria-label="Code">${escapeHtml(message.code)}</div>
<div class="meta"><span class="channel">${escapeHtml(message.channel)}</span><span>to ${escapeHtml(message.to)}</span><time datetime="${escapeHtml(message.dateCreated)}">${escapeHtml(message.dateCreated)}</time></div>
<pre>${escapeHtml(message.body)}</pre>
<div class="sids">${escapeHtml(message.verificationSid)} · ${escapeHtml(message.serviceSid)}</div>
</li>`;
}

/** The inbox page for people: newest first, each message's text with its code in large type. */
export function renderInbox(messages: readonly DeliveredMessage[], view: InboxView = {}): string {
  const newestFirst = [...messages].reverse();
  const tokenInput =
    view.queryToken === undefined
      ? ""
      : `<input type="hidden" name="token" value="${escapeHtml(view.queryToken)}">`;
  const refresh =
    view.queryToken === undefined ? "/inbox" : `/inbox?token=${encodeURIComponent(view.queryToken)}`;
  const list =
    newestFirst.length === 0
      ? `<p>No messages${view.filterTo ? ` to ${escapeHtml(view.filterTo)}` : ""} yet. Start a verification, then refresh.</p>`
      : `<ol>${newestFirst.map(messageItem).join("\n")}</ol>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Verify emulator inbox</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Verify emulator inbox</h1>
<p class="warn">Development and test tool: nothing here was really sent. Newest first; times are on the emulator's clock (UTC).</p>
<form method="get" action="/inbox">
<label for="to">Destination<input id="to" name="to" type="text" value="${escapeHtml(view.filterTo ?? "")}" placeholder="+15017122661 or user@example.com" autocomplete="off"></label>
${tokenInput}<button type="submit">Filter</button>
<a class="button" href="${escapeHtml(refresh)}">Show all / refresh</a>
</form>
</header>
<main>
<p class="warn">${newestFirst.length} message${newestFirst.length === 1 ? "" : "s"}</p>
${list}
</main>
</body>
</html>
`;
}
