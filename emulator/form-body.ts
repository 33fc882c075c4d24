import type { IncomingMessage } from "node:http";

/** Why a request body could not be read. */
export type BodyErrorKind = "too_large" | "timeout" | "aborted";

/** Raised by {@link readBody}. */
export class BodyError extends Error {
  /** What went wrong. */
  readonly kind: BodyErrorKind;
  constructor(kind: BodyErrorKind, message: string) {
    super(message);
    this.name = "BodyError";
    this.kind = kind;
  }
}

/** Limits on reading one body. */
export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Reads the whole body, refusing more than `maxBytes` (checked on Content-Length first, then on the
 * bytes received) and bodies that take longer than `timeoutMs`, so a slow client cannot hold a
 * handler forever.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: BodyError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAborted);
      req.off("aborted", onAborted);
      if (error) {
        // Keep reading into the void so the answer can still be written; the caller closes the socket.
        req.resume();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onAborted = (): void => finish(new BodyError("aborted", "The client went away"));
    const timer = setTimeout(
      () => finish(new BodyError("timeout", `Request body not received within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAborted);
    req.on("aborted", onAborted);
  });
}

function tooLarge(maxBytes: number): BodyError {
  return new BodyError("too_large", `Request body too large (limit ${maxBytes} bytes)`);
}

/** The media type of a request, lower-case, without parameters; `""` when absent. */
export function mediaType(req: IncomingMessage): string {
  const header = req.headers["content-type"] ?? "";
  return (header.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Parses an `application/x-www-form-urlencoded` body. The first value of a repeated key wins; bytes
 * that are not UTF-8 become U+FFFD, which later validation rejects.
 */
export function parseForm(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
    if (!fields.has(key)) fields.set(key, value);
  }
  return fields;
}

/** The result of {@link parseJsonObject}. */
export type JsonObjectResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** Parses a JSON body that must be an object (an empty body is `{}`). */
export function parseJsonObject(body: Buffer): JsonObjectResult {
  const text = body.toString("utf8").trim();
  if (text === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "The body is not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "The body must be a JSON object" };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
