import { ErrorCodes, providerUnavailable, RETRY_AFTER_SECONDS, SecondFactorError } from "../../errors.js";
import type {
  CancelVerificationResult,
  CheckVerificationResult,
  RateLimitReason,
  StartVerificationResult,
} from "../index.js";
import { TwilioErrorAnswer } from "./transport.js";

/**
 * One failed call to Twilio, reduced to what the mapping needs. `detail` (Twilio's text) is read only
 * to tell `To` from `Channel`; it may name the destination, so no thrown error ever carries it.
 * @example
 * const failure: TwilioFailure = { kind: "transport", name: "AxiosError", code: "ECONNRESET", timedOut: false };
 */
export type TwilioFailure =
  /** Twilio (or something in its place) answered with an HTTP error. */
  | {
      kind: "answer";
      status: number;
      code: number | undefined;
      detail: string;
      retryAfterSeconds: number | undefined;
    }
  /** No usable answer: timeout, refused or reset connection, unreadable body, SDK failure. */
  | { kind: "transport"; name: string; code: string | undefined; timedOut: boolean };

/**
 * What the error messages may name: nothing about the user.
 * @example
 * const context: TwilioFailureContext = { serviceSid: config.serviceSid, timeoutMs: config.timeoutMs };
 */
export interface TwilioFailureContext {
  readonly serviceSid: string;
  readonly timeoutMs: number;
}

/**
 * The only cause a thrown provider error keeps: no message, no request, no body, so no destination, no
 * code and no credentials.
 * @example
 * const cause: SanitizedCause = { name: "TwilioErrorAnswer", status: 503, code: 20503 };
 */
export interface SanitizedCause {
  readonly name: string;
  readonly status?: number;
  readonly code?: number | string;
  /** Set when no answer came in time: the flow reports the outage as a timeout. */
  readonly timedOut?: true;
}

const MAX_OUTAGE_RETRY_AFTER_SECONDS = 30;

const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT"]);

/**
 * Reduces anything the SDK may throw: a `TwilioErrorAnswer`, a `RestException` or
 * `TwilioServiceException` (objects with a numeric HTTP `status`), an axios error, a `SyntaxError`
 * from a non-JSON body, a `TimeoutError` from the deadline.
 * @example
 * toTwilioFailure({ status: 429, code: 60203, message: "Max send attempts reached" });
 * // { kind: "answer", status: 429, code: 60203, detail: "Max send attempts reached", retryAfterSeconds: undefined }
 */
export function toTwilioFailure(error: unknown): TwilioFailure {
  const value = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const status = value.status;
  if (
    value.isAxiosError !== true &&
    typeof status === "number" &&
    Number.isInteger(status) &&
    status >= 100
  ) {
    const code = value.code;
    const retryAfter = value.retryAfterSeconds;
    return {
      kind: "answer",
      status,
      code: typeof code === "number" && Number.isInteger(code) && code > 0 ? code : undefined,
      detail:
        error instanceof TwilioErrorAnswer
          ? error.detail
          : [value.message, value.title, value.detail].filter((part) => typeof part === "string").join(" "),
      retryAfterSeconds:
        typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter >= 0
          ? retryAfter
          : undefined,
    };
  }
  // axios 1.x copies the name of the socket error ("Error") onto its own errors.
  const name = value.isAxiosError === true ? "AxiosError" : safeName(value.name);
  const code =
    typeof value.code === "string" && /^[A-Z][A-Z0-9_]{1,39}$/.test(value.code) ? value.code : undefined;
  return {
    kind: "transport",
    name,
    code,
    timedOut: name === "TimeoutError" || (code !== undefined && TIMEOUT_CODES.has(code)),
  };
}

/**
 * Maps a failed `verifications.create` to a result, or throws `ERR_SF_PROVIDER_REJECTED` (credentials,
 * unknown service) or `ERR_SF_PROVIDER_UNAVAILABLE` (everything else).
 * @example
 * startFailure({ kind: "answer", status: 403, code: 60605, detail: "", retryAfterSeconds: undefined }, context);
 * // { status: "blocked", reason: "geo_permissions" }
 */
export function startFailure(failure: TwilioFailure, context: TwilioFailureContext): StartVerificationResult {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  switch (failure.code) {
    case 60200:
      if (/\bchannel\b/i.test(failure.detail)) return { status: "channel_unavailable" };
      if (/\bTo\b/.test(failure.detail)) return { status: "invalid_destination" };
      throw rejected(
        failure,
        "Twilio Verify refused a parameter other than To and Channel (error 60200), e.g. the locale. " +
          "Check the locale the app passes, and the Verify service settings.",
      );
    case 60203:
      return rateLimited("max_sends", failure.retryAfterSeconds);
    case 60212:
      return rateLimited("concurrent_requests", failure.retryAfterSeconds);
    case 20429:
      return rateLimited("too_many_requests", failure.retryAfterSeconds);
    case 60205:
      return { status: "blocked", reason: "landline" };
    case 60410:
    case 60412:
      return { status: "blocked", reason: "fraud_guard" };
    case 60605:
      return { status: "blocked", reason: "geo_permissions" };
    case 60217:
    case 60223:
      return { status: "channel_unavailable" };
    case 20404:
      throw rejected(
        failure,
        `Twilio Verify does not know the service ${context.serviceSid} (error 20404). ` +
          "Check serviceSid: it must be a Verify service of the account given as accountSid.",
      );
    default:
      throw unavailable(failure, context);
  }
}

/**
 * Maps a failed `verificationChecks.create` to a result, or throws like {@link startFailure}.
 * @example
 * checkFailure({ kind: "answer", status: 429, code: 60202, detail: "", retryAfterSeconds: undefined }, context);
 * // { status: "max_attempts" }
 */
export function checkFailure(failure: TwilioFailure, context: TwilioFailureContext): CheckVerificationResult {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  switch (failure.code) {
    case 60200:
      return { status: "invalid_code" };
    case 60202:
      return { status: "max_attempts" };
    case 20404:
    // "No target verification specified": nothing to approve, the user has to start again.
    case 60221:
      return { status: "not_found" };
    case 20429:
    case 60212:
      return failure.retryAfterSeconds === undefined
        ? { status: "rate_limited" }
        : { status: "rate_limited", retryAfterSeconds: failure.retryAfterSeconds };
    default:
      throw unavailable(failure, context);
  }
}

/**
 * Maps a failed `verifications(sid).update({ status: "canceled" })` to a result, or throws like
 * {@link startFailure}.
 * @example
 * cancelFailure({ kind: "answer", status: 404, code: 20404, detail: "", retryAfterSeconds: undefined }, context);
 * // { status: "not_found" }
 */
export function cancelFailure(
  failure: TwilioFailure,
  context: TwilioFailureContext,
): CancelVerificationResult {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  if (failure.code === 20404) return { status: "not_found" };
  throw unavailable(failure, context);
}

/**
 * The one outage error: `ERR_SF_PROVIDER_UNAVAILABLE`, status 503, a few seconds of `Retry-After`, and a
 * {@link SanitizedCause}.
 * @example
 * throw unavailable({ kind: "transport", name: "AxiosError", code: "ECONNREFUSED", timedOut: false }, context);
 */
export function unavailable(failure: TwilioFailure, context: TwilioFailureContext): SecondFactorError {
  let why: string;
  if (failure.kind === "answer") {
    why = `it answered HTTP ${failure.status}${failure.code === undefined ? "" : ` with error ${failure.code}`}`;
  } else if (failure.timedOut) {
    why = `no answer within ${context.timeoutMs} ms`;
  } else {
    why = `the request failed (${failure.code ?? failure.name})`;
  }
  const retryAfter =
    failure.kind === "answer" && failure.retryAfterSeconds !== undefined
      ? Math.min(MAX_OUTAGE_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(failure.retryAfterSeconds)))
      : RETRY_AFTER_SECONDS;
  return outage(why, retryAfter, sanitize(failure));
}

/**
 * An outage for a 2xx answer that is not what Verify sends (no SID, an unknown status, ...).
 * @example
 * throw unexpectedAnswer("a verification without a VE SID");
 */
export function unexpectedAnswer(what: string): SecondFactorError {
  return outage(`it answered with ${what}`, RETRY_AFTER_SECONDS, Object.freeze({ name: "UnexpectedAnswer" }));
}

function outage(why: string, retryAfter: number, cause: SanitizedCause): SecondFactorError {
  return providerUnavailable(`Twilio Verify is unavailable: ${why}`, retryAfter, cause);
}

/**
 * Throws `ERR_SF_PROVIDER_REJECTED` when Twilio refused the credentials or the account (401, 20003, 20403).
 * @example
 * throwIfCredentialsRefused(failure);
 */
export function throwIfCredentialsRefused(failure: Extract<TwilioFailure, { kind: "answer" }>): void {
  if (failure.status === 401 || failure.code === 20003) {
    throw rejected(
      failure,
      `Twilio Verify refused the credentials (HTTP ${failure.status}, error ${failure.code ?? "none"}). ` +
        "Check accountSid and authToken (or apiKeySid and apiKeySecret).",
    );
  }
  if (failure.code === 20403) {
    throw rejected(
      failure,
      "Twilio Verify refused access (error 20403). Check that the account is active and may use Verify.",
    );
  }
}

/**
 * `ERR_SF_PROVIDER_REJECTED` (500, not exposed): a configuration Twilio refuses; `message` says what to fix.
 * @example
 * throw rejected(failure, "Twilio Verify does not know the service ...");
 */
export function rejected(failure: TwilioFailure, message: string): SecondFactorError {
  return new SecondFactorError(ErrorCodes.PROVIDER_REJECTED, message, {
    status: 500,
    expose: false,
    cause: sanitize(failure),
  });
}

function rateLimited(
  reason: RateLimitReason,
  retryAfterSeconds: number | undefined,
): StartVerificationResult {
  return retryAfterSeconds === undefined
    ? { status: "rate_limited", reason }
    : { status: "rate_limited", reason, retryAfterSeconds };
}

function sanitize(failure: TwilioFailure): SanitizedCause {
  const cause: SanitizedCause =
    failure.kind === "answer"
      ? failure.code === undefined
        ? { name: "TwilioErrorAnswer", status: failure.status }
        : { name: "TwilioErrorAnswer", status: failure.status, code: failure.code }
      : {
          name: failure.name,
          ...(failure.code === undefined ? {} : { code: failure.code }),
          ...(failure.timedOut ? { timedOut: true as const } : {}),
        };
  return Object.freeze(cause);
}

function safeName(name: unknown): string {
  return typeof name === "string" && /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(name) ? name : "Error";
}
