import type { BodyResult } from "../../src/boundary.js";

/** The part of a Node request stream that tells whether its body was read already. */
export interface ConsumableStream {
  readonly readableEnded?: boolean;
  readonly complete?: boolean;
  readonly readable?: boolean;
}

/** True when a body parser of the app has read the stream (so only its parsed result is left). */
export function streamConsumed(stream: ConsumableStream): boolean {
  return stream.readableEnded === true || (stream.complete === true && stream.readable === false);
}

/** The media type of a `Content-Type` header, lower-case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * The {@link BodyResult} for a body the app's own parser already produced (`req.body`,
 * `ctx.request.body`). The `Content-Type` is still checked: the flow takes only forms and JSON.
 */
export function fromParsedBody(parsed: unknown, contentType: string | undefined): BodyResult {
  const media = mediaType(contentType);
  const type =
    media === "application/json" ? "json" : media === "application/x-www-form-urlencoded" ? "form" : null;
  if (type === null) {
    return {
      ok: false,
      status: 415,
      reason: "The request must be a form (application/x-www-form-urlencoded) or application/json.",
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, status: 400, reason: "The request body must be an object of fields." };
  }
  return { ok: true, type, fields: parsed as Readonly<Record<string, unknown>> };
}
