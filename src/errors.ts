/**
 * The one error class of second-factor. Koa reads `status`, `expose` and `headers`; Express error
 * handlers can read the same fields. Recognise it with {@link isSecondFactorError} (by `code`), not
 * `instanceof`: an app that loads two entry points may hold two copies of this class.
 */
export class SecondFactorError extends Error {
  /** A stable code, `ERR_SF_...`. */
  readonly code: SecondFactorErrorCode;
  /** The HTTP status this error answers with. */
  readonly status: number;
  /** Whether `message` may be shown to the client (never true for configuration errors). */
  readonly expose: boolean;
  /** Response headers that go with the status (e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @example
   * throw new SecondFactorError("ERR_SF_PROVIDER_UNAVAILABLE", "Twilio Verify did not answer", {
   *   status: 503,
   *   headers: { "Retry-After": "5" },
   * });
   */
  constructor(
    code: SecondFactorErrorCode,
    message: string,
    options: {
      status?: number;
      expose?: boolean;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SecondFactorError";
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.headers = Object.freeze({ ...(options.headers ?? {}) });
  }
}

/**
 * Every code a {@link SecondFactorError} can carry.
 * @example
 * if (isSecondFactorError(err) && err.code === ErrorCodes.PROVIDER_UNAVAILABLE) retryLater();
 */
export const ErrorCodes = {
  /** An option is missing, of the wrong type, or unknown. */
  INVALID_OPTION: "ERR_SF_INVALID_OPTION",
  /** The app is wired wrongly (no session middleware, guard used without calling it, ...). */
  MISCONFIGURED: "ERR_SF_MISCONFIGURED",
  /** The verification provider is down, slow or answered with a server error. */
  PROVIDER_UNAVAILABLE: "ERR_SF_PROVIDER_UNAVAILABLE",
  /** The provider refused our credentials or configuration (e.g. Twilio 20003, unknown service). */
  PROVIDER_REJECTED: "ERR_SF_PROVIDER_REJECTED",
  /** The session store, the budget store or the factor store failed. */
  STORE_UNAVAILABLE: "ERR_SF_STORE_UNAVAILABLE",
  /** A function was called with a malformed value (a factor store given a number that is not E.164, ...). */
  INVALID_ARGUMENT: "ERR_SF_INVALID_ARGUMENT",
  /** A stored secret cannot be decrypted: tampered with, or sealed with a key no longer configured. */
  SECRET_UNREADABLE: "ERR_SF_SECRET_UNREADABLE",
} as const;

/** The union of the values of {@link ErrorCodes}. */
export type SecondFactorErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * True when `value` is an error raised by second-factor (any copy of the package).
 * @example
 * app.use((err, req, res, next) => isSecondFactorError(err) ? res.status(err.status).end() : next(err));
 */
export function isSecondFactorError(value: unknown): value is SecondFactorError {
  if (typeof value !== "object" || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("ERR_SF_") && value instanceof Error;
}

/**
 * Seconds a client is told to wait after an outage (a store or the provider failed) when nothing
 * better is known: the one retry constant of the library (DESIGN §4 rule 8).
 * @default 5
 * @example
 * res.set("Retry-After", String(RETRY_AFTER_SECONDS));
 */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The one constructor of `ERR_SF_STORE_UNAVAILABLE` (503, `Retry-After`, not exposed): a session,
 * budget or factor store failed, so the request is denied (rule 8). An error that already says so
 * passes through unchanged; anything else becomes the `cause`.
 * @param what - the store, as the message names it.
 * @default what "a store"; retryAfterSeconds {@link RETRY_AFTER_SECONDS}
 * @example
 * try { await store.update(key, change); } catch (error) { throw storeUnavailable(error, "the budget store"); }
 */
export function storeUnavailable(
  cause: unknown,
  what = "a store",
  retryAfterSeconds: number = RETRY_AFTER_SECONDS,
): SecondFactorError {
  if (isSecondFactorError(cause) && cause.code === ErrorCodes.STORE_UNAVAILABLE) return cause;
  return new SecondFactorError(
    ErrorCodes.STORE_UNAVAILABLE,
    `second-factor: ${what} failed; try again shortly.`,
    {
      status: 503,
      expose: false,
      headers: { "Retry-After": String(retryAfterSeconds) },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * The one constructor of `ERR_SF_PROVIDER_UNAVAILABLE` (503, `Retry-After`, not exposed): the
 * verification provider is down, slow or answered with something it should not. Nothing was retried.
 * @param why - what happened, for the log (never a code or a full destination).
 * @default retryAfterSeconds {@link RETRY_AFTER_SECONDS}
 * @example
 * throw providerUnavailable("Twilio Verify is unavailable: no answer within 5000 ms", 5, sanitizedCause);
 */
export function providerUnavailable(
  why: string,
  retryAfterSeconds: number = RETRY_AFTER_SECONDS,
  cause?: unknown,
): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.PROVIDER_UNAVAILABLE,
    `${why}. Nothing was retried; try again in ${retryAfterSeconds} s.`,
    {
      status: 503,
      expose: false,
      headers: { "Retry-After": String(retryAfterSeconds) },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
