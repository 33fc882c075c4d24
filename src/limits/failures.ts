/** The errors the limits raise: store outages (503) and wrong arguments from the calling code (500). */
import { ErrorCodes, isSecondFactorError, SecondFactorError } from "../errors.js";

/** Seconds a client should wait before retrying after a store failure. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Wraps anything a store threw into `ERR_SF_STORE_UNAVAILABLE` (503, `Retry-After: 5`), keeping the
 * original as `cause`. Our own errors pass through unchanged.
 * @example
 * try { await store.update(key, change); } catch (error) { throw storeUnavailable(error); }
 */
export function storeUnavailable(cause: unknown): SecondFactorError {
  if (isSecondFactorError(cause)) return cause;
  return new SecondFactorError(ErrorCodes.STORE_UNAVAILABLE, "The budget store failed; try again shortly.", {
    status: 503,
    headers: { "Retry-After": String(STORE_RETRY_AFTER_SECONDS) },
    cause,
  });
}

/**
 * The memory store is full of entries that must not be evicted: refuse rather than forget.
 * @example
 * throw storeFull(12);
 */
export function storeFull(retryAfterSeconds: number): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.STORE_UNAVAILABLE,
    "The memory store for failure counts and single-use markers is full; raise `memoryMaxEntries` or use a shared store.",
    { status: 503, headers: { "Retry-After": String(retryAfterSeconds) } },
  );
}

/**
 * A method of the limits was called with a value it cannot use: a bug in the calling code.
 * @example
 * throw invalidArgument("claimOnce", "ttlMs", "a positive number of milliseconds", -1);
 */
export function invalidArgument(
  method: string,
  name: string,
  expected: string,
  got: unknown,
): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    `limits.${method}(): \`${name}\` must be ${expected} (got ${describeType(got)}).`,
    { status: 500 },
  );
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  if (typeof value === "number") return String(value);
  return typeof value;
}

/**
 * Checks a non-empty string argument; never echoes the value (it may be an id or a phone number).
 * @example
 * requireText("lockStatus", "userId", userId);
 */
export function requireText(method: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw invalidArgument(method, name, "a non-empty string", value);
  }
  return value;
}
