import type { IncomingMessage, ServerResponse } from "node:http";
import { newSid } from "./sids.js";
import type { TwilioApiError } from "./twilio-errors.js";

const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
} as const;

/** True when the answer can still be written (the client may have gone away during a delay). */
export function canRespond(res: ServerResponse): boolean {
  return !res.headersSent && !res.writableEnded && !res.destroyed;
}

/**
 * Marks the connection to close after an answer given before the request body was read, so that
 * Node does not keep reading an unwanted (maybe huge) body just to reuse the socket.
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const declared = req.headers["content-length"];
  const hasBody =
    (declared !== undefined && declared !== "0") || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.complete && !res.headersSent) res.setHeader("Connection", "close");
}

/** Sends `body` as JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!canRespond(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends a Verify API answer, with a Twilio-style request id. */
export function sendTwilioJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, body, { "Twilio-Request-Id": newSid("RQ"), ...headers });
}

/** Sends an error in Twilio's JSON shape with its HTTP status. */
export function sendTwilioError(res: ServerResponse, error: TwilioApiError): void {
  sendTwilioJson(res, error.status, error.toJSON(), error.headers);
}

/** Sends an HTML page. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!canRespond(res)) return;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

/** Sends an empty answer (e.g. 204 after a delete). */
export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!canRespond(res)) return;
  res.writeHead(status, { ...COMMON_HEADERS, ...headers });
  res.end();
}
