import type { Channel } from "../providers/types.js";
import { escapeHtml } from "./escape.js";
import { formatWait, type MessageKey, type MessageParams } from "./messages.js";
import type { ChallengePageView, ChannelOption, PageView, PendingView, ProblemPageView } from "./view.js";

/**
 * The default HTML of a page: accessible, no script, works on a phone. Every value is escaped; the
 * only markup that is not is the page's own `styleElement`.
 * @example
 * pages: { render: (view) => (view.page === "challenge" ? renderDefaultPage(view) : myProblemPage(view)) }
 */
export function renderDefaultPage(view: PageView): string {
  const body = view.page === "challenge" ? challengeBody(view) : problemBody(view);
  return [
    "<!doctype html>",
    `<html lang="${escapeHtml(view.lang)}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex">',
    `<title>${text(view, "title")}</title>`,
    view.styleElement,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${text(view, "title")}</h1>`,
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function problemBody(view: ProblemPageView): string {
  return [
    '<div class="problem" role="alert">',
    `<h2>${escapeHtml(view.heading)}</h2>`,
    `<p>${escapeHtml(view.message)}</p>`,
    "</div>",
    `<p><a href="${escapeHtml(view.link.href)}">${escapeHtml(view.link.label)}</a></p>`,
  ].join("\n");
}

function challengeBody(view: ChallengePageView): string {
  const parts: string[] = [];
  // A wrong code is shown on the code field itself (pending state), not as a page notice.
  const wrongCodeOnField = view.state === "pending" && view.notice?.kind === "wrong_code";
  if (view.notice !== undefined && !wrongCodeOnField) {
    parts.push(`<p class="notice" role="status">${escapeHtml(view.notice.message)}</p>`);
  }
  if (view.error !== undefined && view.error.field === null) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  switch (view.state) {
    case "no_channel":
      parts.push(`<h2>${text(view, "no_channel_heading")}</h2>`, `<p>${text(view, "no_channel_body")}</p>`);
      break;
    case "locked":
      parts.push(
        `<h2>${text(view, "locked_heading")}</h2>`,
        `<p>${text(view, "locked_body", { wait: formatWait(view.messages, view.lockedForSeconds ?? 0) })}</p>`,
      );
      break;
    case "pending":
      if (view.pending !== undefined) parts.push(pendingSection(view, view.pending));
      break;
    case "verified":
      parts.push(verifiedSection(view), `<p>${text(view, "reverify_intro")}</p>`, chooseForm(view));
      break;
    case "choose":
      if (view.verified !== undefined && !view.verified.requirementMet) {
        const ago = formatWait(view.messages, view.verified.agoSeconds);
        parts.push(`<p>${text(view, "step_up_intro", { ago })}</p>`);
      } else {
        parts.push(`<p>${text(view, "intro")}</p>`);
      }
      parts.push(chooseForm(view));
      break;
  }
  return parts.join("\n");
}

function verifiedSection(view: ChallengePageView): string {
  const verified = view.verified;
  if (verified === undefined) return "";
  const ago = formatWait(view.messages, verified.agoSeconds);
  return [
    `<h2>${text(view, "verified_heading")}</h2>`,
    `<p>${text(view, "verified_body", { ago })}</p>`,
    `<p><a href="${escapeHtml(verified.continueTo)}">${text(view, "continue_link")}</a></p>`,
  ].join("\n");
}

function chooseForm(view: ChallengePageView): string {
  const error = view.error?.field === "channel" ? view.error : undefined;
  const describedBy = error === undefined ? "" : ' aria-describedby="sf-channel-error"';
  const options = view.channels.map((option, index) =>
    channelChoice(view, option, index === 0, error !== undefined),
  );
  return [
    `<form method="post" action="${escapeHtml(view.actions.send)}">`,
    csrfInput(view),
    `<fieldset${describedBy}>`,
    `<legend>${text(view, "choose_legend")}</legend>`,
    ...options,
    error === undefined
      ? ""
      : `<p class="error" id="sf-channel-error" role="alert">${escapeHtml(error.message)}</p>`,
    "</fieldset>",
    `<button type="submit">${text(view, "send_button")}</button>`,
    "</form>",
  ].join("\n");
}

function channelChoice(
  view: ChallengePageView,
  option: ChannelOption,
  checked: boolean,
  invalid: boolean,
): string {
  const id = `sf-channel-${option.channel}`;
  const label = text(view, channelLabelKey(option.channel), { destination: option.maskedDestination });
  return (
    `<label class="choice" for="${id}"><input type="radio" id="${id}" name="channel" value="${option.channel}"` +
    `${checked ? " checked" : ""}${invalid ? ' aria-invalid="true"' : ""} required> ${label}</label>`
  );
}

function pendingSection(view: ChallengePageView, pending: PendingView): string {
  const error =
    view.error?.field === "code"
      ? view.error
      : view.notice?.kind === "wrong_code"
        ? { message: view.notice.message }
        : undefined;
  const { min, max } = view.codeLength;
  const hint =
    min === max
      ? text(view, "code_hint_exact", { length: min })
      : text(view, "code_hint_range", { min, max });
  const attempts =
    pending.attemptsLeft === 1
      ? text(view, "attempts_left_one")
      : text(view, "attempts_left", { count: pending.attemptsLeft });
  const describedBy = error === undefined ? "sf-code-hint" : "sf-code-hint sf-code-error";
  const channelName = text(view, channelNameKey(pending.channel));
  return [
    `<p>${text(view, "pending_intro", { channel: channelName, destination: pending.maskedDestination })}</p>`,
    `<form method="post" action="${escapeHtml(view.actions.verify)}">`,
    csrfInput(view),
    `<label for="sf-code">${text(view, "code_label")}</label>`,
    `<p class="hint" id="sf-code-hint">${hint} ${attempts}</p>`,
    `<input type="text" id="sf-code" name="code" inputmode="numeric" autocomplete="one-time-code"` +
      ` pattern="${codePattern(min, max)}" maxlength="32" spellcheck="false" autocapitalize="off" required` +
      ` aria-describedby="${describedBy}"${error === undefined ? "" : ' aria-invalid="true"'}>`,
    error === undefined
      ? ""
      : `<p class="error" id="sf-code-error" role="alert">${escapeHtml(error.message)}</p>`,
    `<button type="submit">${text(view, "verify_button")}</button>`,
    "</form>",
    `<h2>${text(view, "resend_heading")}</h2>`,
    `<p>${
      pending.resendInSeconds > 0
        ? text(view, "resend_later", { wait: formatWait(view.messages, pending.resendInSeconds) })
        : text(view, "resend_now")
    }</p>`,
    sendButton(view, pending.channel, text(view, "resend_button")),
    ...view.channels
      .filter((option) => option.channel !== pending.channel)
      .map((option) =>
        sendButton(
          view,
          option.channel,
          text(view, "switch_button", { channel: text(view, channelNameKey(option.channel)) }),
        ),
      ),
    `<form method="post" action="${escapeHtml(view.actions.cancel)}">`,
    csrfInput(view),
    `<button type="submit" class="link">${text(view, "cancel_button")}</button>`,
    "</form>",
  ].join("\n");
}

function sendButton(view: ChallengePageView, channel: Channel, label: string): string {
  return [
    `<form method="post" action="${escapeHtml(view.actions.send)}">`,
    csrfInput(view),
    `<input type="hidden" name="channel" value="${channel}">`,
    `<button type="submit">${label}</button>`,
    "</form>",
  ].join("\n");
}

function csrfInput(view: ChallengePageView): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(view.csrfToken)}">`;
}

/** Digits with optional spaces or hyphens between them, as the flow normalises them. */
function codePattern(min: number, max: number): string {
  const count = min === max ? `{${min}}` : `{${min},${max}}`;
  return `[ \\-]*(?:[0-9][ \\-]*)${count}`;
}

function channelLabelKey(channel: Channel): MessageKey {
  return `channel_${channel}`;
}

function channelNameKey(channel: Channel): MessageKey {
  return `channel_name_${channel}`;
}

function text(view: PageView, key: MessageKey, params?: MessageParams): string {
  return escapeHtml(view.format(key, params));
}
