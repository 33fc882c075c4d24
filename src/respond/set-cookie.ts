/**
 * The one writer of `Set-Cookie` values (RFC 6265 §4.1). Every part is checked against the grammar, so
 * a name, value or path can never end the header or add an attribute (`;`, CR/LF, ...).
 */
import type { DecisionCookie } from "../boundary.js";
import { ErrorCodes, SecondFactorError } from "../errors.js";

/** RFC 9110 token: the characters a cookie name may have. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-octets (US-ASCII without controls, space, DQUOTE, comma, semicolon, backslash). */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
/** RFC 6265 path-value: any CHAR but controls and `;`; ours must start with `/`. */
const PATH_VALUE = /^\/[\x20-\x3A\x3C-\x7E]*$/;

/**
 * Whether `name` is a valid cookie name (an RFC 9110 token).
 * @example
 * isCookieName("second_factor_trust"); // true
 * isCookieName("a;b"); // false
 */
export function isCookieName(name: unknown): name is string {
  return typeof name === "string" && TOKEN.test(name);
}

/**
 * Whether `path` is a valid cookie `Path` for this library: starts with `/`, no control character or `;`.
 * @example
 * isCookiePath("/"); // true
 */
export function isCookiePath(path: unknown): path is string {
  return typeof path === "string" && PATH_VALUE.test(path);
}

/**
 * The `Set-Cookie` header value of `cookie`, or `ERR_SF_MISCONFIGURED` when any part breaks the
 * grammar or a name prefix's rule (`__Host-`: `Secure`, `Path=/`; `__Secure-`: `Secure`).
 * @example
 * serializeSetCookie({ name: "t", value: "abc", secure: true, maxAgeSeconds: 60 });
 * // "t=abc; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax"
 */
export function serializeSetCookie(cookie: DecisionCookie): string {
  const { name, value } = cookie;
  const path = cookie.path ?? "/";
  const sameSite = cookie.sameSite ?? "Lax";
  const secure = cookie.secure === true;
  if (!isCookieName(name)) throw badCookie("a name that is not an RFC 6265 token");
  if (typeof value !== "string" || !COOKIE_OCTETS.test(value)) {
    throw badCookie(`cookie "${name}" has a value that is not RFC 6265 cookie-octets`);
  }
  if (!isCookiePath(path)) throw badCookie(`cookie "${name}" has a path that is not a cookie path`);
  if (sameSite !== "Strict" && sameSite !== "Lax" && sameSite !== "None") {
    throw badCookie(`cookie "${name}" has a sameSite that is not "Strict", "Lax" or "None"`);
  }
  if (sameSite === "None" && !secure) throw badCookie(`cookie "${name}" has SameSite=None without Secure`);
  if (name.startsWith("__Host-") && (!secure || path !== "/")) {
    throw badCookie(`cookie "${name}" has the __Host- prefix without Secure and Path=/`);
  }
  if (name.startsWith("__Secure-") && !secure) {
    throw badCookie(`cookie "${name}" has the __Secure- prefix without Secure`);
  }
  let header = `${name}=${value}; Path=${path}`;
  if (cookie.maxAgeSeconds !== undefined) {
    if (!Number.isSafeInteger(cookie.maxAgeSeconds) || cookie.maxAgeSeconds < 0) {
      throw badCookie(`cookie "${name}" has a maxAgeSeconds that is not a whole number of 0 or more`);
    }
    header += `; Max-Age=${cookie.maxAgeSeconds}`;
  }
  if (cookie.expires !== undefined) {
    if (!(cookie.expires instanceof Date) || !Number.isFinite(cookie.expires.getTime())) {
      throw badCookie(`cookie "${name}" has an expires that is not a valid Date`);
    }
    header += `; Expires=${cookie.expires.toUTCString()}`;
  }
  if (cookie.httpOnly !== false) header += "; HttpOnly";
  if (secure) header += "; Secure";
  return `${header}; SameSite=${sameSite}`;
}

/**
 * The cookie that clears `name` at `path`: an empty value, `Max-Age=0` and an `Expires` in the past.
 * @example
 * const decision = { ...redirect, cookies: [clearingCookie("__Host-trust", { secure: true })] };
 */
export function clearingCookie(
  name: string,
  attributes: { readonly path?: string; readonly secure?: boolean } = {},
): DecisionCookie {
  return Object.freeze({
    name,
    value: "",
    httpOnly: true,
    sameSite: "Lax",
    secure: attributes.secure === true,
    path: attributes.path ?? "/",
    maxAgeSeconds: 0,
    expires: new Date(0),
  });
}

function badCookie(problem: string): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    `second-factor: a response cookie was refused: ${problem}; the response was not sent`,
    { status: 500 },
  );
}
