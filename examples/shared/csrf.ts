/**
 * The CSRF tokens of the examples' own forms (login, logout, transfer). The challenge flow has its
 * own token, kept by the library in its record.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A new random token (256 bits, base64url) to keep in the session and put in a hidden `_csrf` input.
 * @example
 * session.csrfToken = newCsrfToken();
 */
export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Whether the submitted `_csrf` field is the session's token, compared in constant time. A missing
 * token on either side, an array (a repeated field) or an over-long value never matches.
 * @example
 * if (!csrfTokensMatch(session.csrfToken, fields._csrf)) return forbidden();
 */
export function csrfTokensMatch(expected: unknown, submitted: unknown): boolean {
  if (typeof expected !== "string" || expected.length === 0) return false;
  if (typeof submitted !== "string" || submitted.length === 0 || submitted.length > 256) return false;
  // Hash both sides so neither the length nor a prefix of the token leaks through timing.
  return timingSafeEqual(digest(expected), digest(submitted));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
