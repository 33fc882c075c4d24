import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { BodyResult } from "../../../src/boundary.js";

/**
 * A raw Node request (or any readable stream that carries request headers).
 * @example
 * const raw: RawRequest = ctx.req;
 */
export type RawRequest = Readable & { headers: IncomingHttpHeaders };

/**
 * Options of {@link readBody} beyond the byte limit.
 * @example
 * await readBody(req, 16384, { timeoutMs: 5000 });
 */
export interface ReadBodyOptions {
  /**
   * How long to wait for the whole body before giving up with a 400 (a client that stops sending).
   * @default 10000
   */
  timeoutMs?: number;
}

/**
 * The default of {@link ReadBodyOptions.timeoutMs}.
 * @default 10000
 * @example
 * await readBody(req, 16384, { timeoutMs: DEFAULT_BODY_TIMEOUT_MS });
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

type MediaType = "form" | "json";

/**
 * Reads and parses the body of a raw Node request for the challenge flow: at most `limit` bytes
 * (else 413), `application/x-www-form-urlencoded` (a repeated key gives an array) or
 * `application/json` (must be an object); any other type is 415 and malformed input is 400. It never
 * throws and never hangs: a stream that errors, aborts, was already read or stalls gives a 400.
 * @param stream - the request (Express `req`, Koa `ctx.req`), not yet read by a body parser.
 * @param limit - the maximum body size in bytes, e.g. the core's `bodyLimit`.
 * @example
 * const body = await readBody(req, core.bodyLimit);
 * if (!body.ok) return res.status(body.status).send(body.reason);
 */
export function readBody(
  stream: RawRequest,
  limit: number,
  options: ReadBodyOptions = {},
): Promise<BodyResult> {
  const type = mediaTypeOf(stream.headers["content-type"]);
  if (type === undefined) {
    return Promise.resolve(
      refuse(415, "The body must be application/x-www-form-urlencoded or application/json."),
    );
  }
  if (type === "unsupported-charset") return Promise.resolve(refuse(415, "The body must be UTF-8."));
  const encoding = stream.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    return Promise.resolve(refuse(415, "Compressed request bodies are not accepted."));
  }
  const declared = declaredLength(stream.headers["content-length"]);
  if (declared === "invalid")
    return Promise.resolve(refuse(400, "The Content-Length header is not a number."));
  if (declared !== undefined && declared > limit) return Promise.resolve(tooLarge(limit));
  if (stream.readableEnded || stream.destroyed) {
    return Promise.resolve(refuse(400, "The request body was already read or the request was closed."));
  }
  return collect(stream, limit, options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS).then((bytes) =>
    Buffer.isBuffer(bytes) ? parse(type, bytes) : bytes,
  );
}

function collect(stream: RawRequest, limit: number, timeoutMs: number): Promise<Buffer | BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const timer = setTimeout(
      () => finish(refuse(400, "The request body did not arrive in time.")),
      timeoutMs,
    );
    const finish = (result: Buffer | BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
      stream.off("aborted", onClose);
      // Stop reading a body we refuse: never buffer more than the limit.
      if (!Buffer.isBuffer(result)) stream.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      received += bytes.length;
      if (received > limit) finish(tooLarge(limit));
      else chunks.push(bytes);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, received));
    const onError = (): void => finish(refuse(400, "The request body could not be read."));
    const onClose = (): void => finish(refuse(400, "The request was closed before its body arrived."));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
    stream.once("close", onClose);
    stream.once("aborted", onClose);
    stream.resume();
  });
}

function parse(type: MediaType, bytes: Buffer): BodyResult {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return refuse(400, "The request body is not valid UTF-8.");
  }
  return type === "form" ? parseForm(text) : parseJson(text);
}

function parseForm(text: string): BodyResult {
  // A null-prototype object: a field named "__proto__" or "constructor" is just a field.
  const fields: Record<string, unknown> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = fields[key];
    if (previous === undefined) fields[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else fields[key] = [previous, value];
  }
  return { ok: true, type: "form", fields };
}

function parseJson(text: string): BodyResult {
  if (text.trim() === "") return { ok: true, type: "json", fields: Object.create(null) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(400, "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse(400, "The JSON body must be an object.");
  }
  return { ok: true, type: "json", fields: value as Record<string, unknown> };
}

/** The body type named by a `Content-Type` header, `"unsupported-charset"`, or `undefined` for any other. */
function mediaTypeOf(header: string | undefined): MediaType | "unsupported-charset" | undefined {
  if (header === undefined) return undefined;
  const [essence = "", ...parameters] = header.split(";");
  const media = essence.trim().toLowerCase();
  const type: MediaType | undefined =
    media === "application/x-www-form-urlencoded"
      ? "form"
      : media === "application/json"
        ? "json"
        : undefined;
  if (type === undefined) return undefined;
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=");
    if (name.trim().toLowerCase() !== "charset") continue;
    const charset = value.trim().replace(/^"|"$/g, "").toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") return "unsupported-charset";
  }
  return type;
}

function declaredLength(header: string | undefined): number | "invalid" | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header.trim())) return "invalid";
  return Number(header.trim());
}

function tooLarge(limit: number): BodyResult {
  return refuse(413, `The request body is larger than ${limit} bytes.`);
}

function refuse(status: 400 | 413 | 415, reason: string): BodyResult {
  return { ok: false, status, reason };
}
