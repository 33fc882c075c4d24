/** The errors the limits raise: store outages (503) and wrong arguments from the calling code (500). */
import { ErrorCodes, isSecondFactorError, SecondFactorError, storeUnavailable } from "../errors.js";

/**
 * Any failure of the budget store as `ERR_SF_STORE_UNAVAILABLE`; our own errors (a wrong argument)
 * pass through unchanged.
 * @example
 * try { await store.update(key, change); } catch (error) { throw budgetStoreFailure(error); }
 */
export function budgetStoreFailure(cause: unknown): SecondFactorError {
  return isSecondFactorError(cause) ? cause : storeUnavailable(cause, "the budget store");
}

/**
 * The memory store is full of entries that must not be evicted: refuse rather than forget.
 * @example
 * throw storeFull(12);
 */
export function storeFull(retryAfterSeconds: number): SecondFactorError {
  return storeUnavailable(
    undefined,
    "the memory store for failure counts and single-use markers is full (raise `memoryMaxEntries` or use a shared store), so it",
    retryAfterSeconds,
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
