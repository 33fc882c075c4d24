import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Bytes of randomness in a CSRF token (256 bits). */
const TOKEN_BYTES = 32;

/**
 * A new random CSRF token (base64url, 43 characters) for one session's record.
 * @example
 * const record = { ...record, csrf: newCsrfToken() };
 */
export function newCsrfToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/**
 * Whether `submitted` is the session's CSRF token (DESIGN §4 rule 6), compared in constant time.
 * Anything but a non-empty string (a repeated field gives an array) is a mismatch. Both sides are
 * hashed first so neither the length nor a prefix of the token leaks through timing.
 * @example
 * if (!csrfMatches(record.csrf, body.fields._csrf)) return forbidden();
 */
export function csrfMatches(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== "string" || submitted.length === 0 || submitted.length > 256) return false;
  if (expected.length === 0) return false;
  return safeEqual(expected, submitted);
}

/**
 * Constant-time equality of two strings (digests compared with `crypto.timingSafeEqual`), for
 * secrets and keyed hashes.
 * @example
 * if (!safeEqual(limits.destinationKey(phone), pending.destinationKey)) dropChallenge();
 */
export function safeEqual(left: string, right: string): boolean {
  return timingSafeEqual(digest(left), digest(right));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
