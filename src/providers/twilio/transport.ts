import type twilio from "twilio";

/**
 * The `twilio` SDK's HTTP client type.
 * @example
 * const http: TwilioRequestClient = new twilio.RequestClient({ timeout: 5000 });
 */
export type TwilioRequestClient = InstanceType<typeof twilio.RequestClient>;

/**
 * An HTTP error answer from Twilio, read by {@link withErrorAnswers} before the SDK would turn it into a
 * `RestException` (which drops the response headers, and so `Retry-After`). `detail` is Twilio's text,
 * kept only to tell `To` from `Channel` in a 60200; it may name the destination, so it never leaves the
 * provider.
 * @example
 * throw new TwilioErrorAnswer(429, 20429, "Too many requests", 3);
 */
export class TwilioErrorAnswer extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** Twilio's error code from the body, when the body is Twilio JSON. */
  readonly code: number | undefined;
  /** Twilio's message (legacy `message`, or RFC 9457 `title` + `detail`); not enumerable. */
  declare readonly detail: string;
  /** The `Retry-After` header in seconds, when present and readable. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: number | undefined,
    detail: string,
    retryAfterSeconds: number | undefined,
  ) {
    super(`Twilio answered HTTP ${status}${code === undefined ? "" : ` with error ${code}`}`);
    this.name = "TwilioErrorAnswer";
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    Object.defineProperty(this, "detail", { value: detail, enumerable: false });
  }
}

/**
 * Makes `client` throw a {@link TwilioErrorAnswer} for every HTTP answer of 400 or more, with the
 * status, Twilio's code and `Retry-After`, and forget each request once answered (the SDK keeps the
 * last request, form body included, on the client).
 * @example
 * const httpClient = withErrorAnswers(new twilio.RequestClient({ timeout: 5000 }));
 */
export function withErrorAnswers(client: TwilioRequestClient): TwilioRequestClient {
  const send = client.request.bind(client);
  client.request = async (opts) => {
    try {
      const response = await send(opts);
      if (response.statusCode >= 400) {
        const body = parseBody(response.body);
        throw new TwilioErrorAnswer(
          response.statusCode,
          readCode(body),
          readDetail(body),
          parseRetryAfter(header(response.headers, "retry-after")),
        );
      }
      return response;
    } finally {
      client.lastRequest = undefined;
      client.lastResponse = undefined;
    }
  };
  return client;
}

/**
 * Reads a `Retry-After` value (delta-seconds or an HTTP date) as whole seconds from `now`.
 * @example
 * parseRetryAfter("3"); // 3
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string" && typeof text !== "number") return undefined;
  const trimmed = String(text).trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Settles like `work`, or rejects with a `TimeoutError` after `ms`. A backstop for the SDK's socket
 * timeout, which a server that trickles bytes never trips.
 * @example
 * const verification = await withDeadline(service.verifications.create(params), 5100);
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${ms} ms`);
      error.name = "TimeoutError";
      reject(error);
    }, ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function parseBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function readCode(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const code = (body as { code?: unknown }).code;
  if (typeof code === "number" && Number.isInteger(code) && code > 0) return code;
  if (typeof code === "string" && /^\d{1,9}$/.test(code)) return Number(code);
  return undefined;
}

function readDetail(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const { message, title, detail } = body as { message?: unknown; title?: unknown; detail?: unknown };
  return [message, title, detail].filter((part): part is string => typeof part === "string").join(" ");
}

function header(headers: unknown, name: string): unknown {
  if (typeof headers !== "object" || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}
