import type { BodyResult } from "../../../src/boundary.js";
import { mediaType } from "../../../src/negotiate.js";
import { type RawRequest, readBody } from "./read-body.js";

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

/**
 * The body of a flow request: the app's own parser's result when that parser drained the stream
 * (`req.body`, `ctx.request.body`), else the stream itself, read and parsed up to `limit` bytes.
 * @example
 * const body = await readFlowBody(ctx.req, ctx.request.body, ctx.get("content-type"), core.bodyLimit);
 */
export function readFlowBody(
  stream: RawRequest,
  parsed: unknown,
  contentType: string | undefined,
  limit: number,
): Promise<BodyResult> {
  // The app's body parser drained the stream: its result is all that is left to read.
  if (parsed !== undefined && streamConsumed(stream)) {
    return Promise.resolve(fromParsedBody(parsed, contentType));
  }
  return readBody(stream, limit);
}
