import type { IncomingMessage, ServerResponse } from "node:http";
import { hasBearerToken } from "./auth.js";
import { handleControl } from "./control.js";
import type { ResolvedOptions } from "./emulator-options.js";
import type { EmulatorState } from "./emulator-state.js";
import { INBOX_CSP, renderInbox } from "./inbox.js";
import { normalizeFilterTo } from "./recipients.js";
import { canRespond, closeIfBodyUnread, sendEmpty, sendHtml, sendJson, sendTwilioError } from "./replies.js";
import { notFound, twilioError } from "./twilio-errors.js";
import type { DeliveredMessage } from "./types.js";
import { handleVerifyApi, type VerifyApiContext } from "./verify-api.js";

/** Splits a request target into its raw (still percent-encoded) path and its query. */
function splitTarget(target: string): { path: string; query: URLSearchParams } {
  let rest = target;
  if (!rest.startsWith("/")) {
    // absolute-form (proxies); keep only path and query
    try {
      const url = new URL(rest);
      rest = url.pathname + url.search;
    } catch {
      rest = "/";
    }
  }
  const q = rest.indexOf("?");
  return q < 0
    ? { path: rest, query: new URLSearchParams() }
    : { path: rest.slice(0, q), query: new URLSearchParams(rest.slice(q + 1)) };
}

/** Messages, oldest first, optionally only those to one (normalised) destination. */
export function filterMessages(state: EmulatorState, to: string | undefined): DeliveredMessage[] {
  const wanted = to === undefined ? undefined : normalizeFilterTo(to);
  return state.messages.filter((m) => wanted === undefined || m.to === wanted).map((m) => ({ ...m }));
}

function tokenRefused(req: IncomingMessage, res: ServerResponse, path: string): void {
  closeIfBodyUnread(req, res);
  const message = "This emulator needs its token: send Authorization: Bearer <token> or ?token=<token>";
  const headers = { "WWW-Authenticate": 'Bearer realm="verify-emulator"' };
  if (path === "/inbox")
    sendHtml(res, 401, `<!doctype html><title>Token needed</title><p>${message}</p>`, headers);
  else sendJson(res, 401, { error: message }, headers);
}

function handleInbox(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  state: EmulatorState,
  options: ResolvedOptions,
): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendJson(res, 405, { error: `${req.method ?? ""} is not allowed on ${path}` }, { Allow: "GET, HEAD" });
    return;
  }
  const rawTo = query.get("to") ?? undefined;
  const to = rawTo === undefined || rawTo.trim() === "" ? undefined : rawTo;
  const messages = filterMessages(state, to);
  if (path === "/inbox.json") {
    sendJson(res, 200, messages);
    return;
  }
  const queryToken = options.token !== undefined ? (query.get("token") ?? undefined) : undefined;
  const view = {
    ...(to === undefined ? {} : { filterTo: to.replace(/^ (?=\d)/, "+") }),
    ...(queryToken === undefined ? {} : { queryToken }),
  };
  sendHtml(res, 200, renderInbox(messages, view), {
    "Content-Security-Policy": INBOX_CSP,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  });
}

/** Refuses a request whose `Host` is not an address of this emulator (DNS rebinding). */
function hostRefused(req: IncomingMessage, res: ServerResponse, path: string, hosts: HostCheck): void {
  closeIfBodyUnread(req, res);
  const given =
    req.headers.host === undefined ? "no Host header" : `Host ${JSON.stringify(req.headers.host)}`;
  const message = `This Verify emulator answers only requests addressed to it (${hosts.describe()}); got ${given}`;
  if (path === "/v2" || path.startsWith("/v2/")) sendTwilioError(res, twilioError(20403, { message }));
  else sendJson(res, 403, { error: message });
}

/** Which `Host` headers a listener answers. */
export interface HostCheck {
  allows(host: string | undefined): boolean;
  /** The accepted addresses, for error messages. */
  describe(): string;
}

/** The request listener of the emulator: Verify API, inbox, control API. Never lets an error escape. */
export function createRequestListener(
  state: EmulatorState,
  options: ResolvedOptions,
  delay: VerifyApiContext["delay"],
  hosts: HostCheck,
): (req: IncomingMessage, res: ServerResponse) => void {
  const ctx: VerifyApiContext = { state, options, delay };
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path, query } = splitTarget(req.url ?? "/");
    res.on("finish", () => options.log(`${req.method ?? "?"} ${path} ${res.statusCode}`));
    // Every route, /health and /inbox.json included: a rebinding page must not even read them.
    if (!hosts.allows(req.headers.host)) return hostRefused(req, res, path, hosts);
    if (path === "/v2" || path.startsWith("/v2/")) return handleVerifyApi(req, res, path, query, ctx);
    // Past this point only control POSTs read a body; every other answer ignores it.
    if (!(path.startsWith("/control/") && req.method === "POST")) closeIfBodyUnread(req, res);
    if (path === "/health") return sendJson(res, 200, { status: "ok" });
    const isInbox = path === "/inbox" || path === "/inbox.json";
    const isControl = path === "/control" || path.startsWith("/control/");
    if ((isInbox || isControl) && options.token !== undefined && !hasBearerToken(req, query, options.token)) {
      return tokenRefused(req, res, path);
    }
    if (isInbox) return handleInbox(req, res, path, query, state, options);
    if (isControl) return handleControl(req, res, path, state, options);
    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
      const search = query.toString();
      return sendEmpty(res, 302, { Location: `/inbox${search === "" ? "" : `?${search}`}` });
    }
    return sendTwilioError(res, notFound(path));
  };
  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      options.log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (canRespond(res)) sendTwilioError(res, twilioError(20500));
      else res.destroy();
    });
  };
}
