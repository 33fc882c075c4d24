/**
 * Building blocks of a trusted device (DESIGN §4 rule 13, issue 16): the token, its stored hash, its
 * cookie, a label for the settings page, and when to record "last used". The routes that use them come
 * with the settings pages.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { DecisionCookie } from "../boundary.js";
import { parseDuration } from "../duration.js";
import { describeValue, invalidOption, isPlainObject, rejectUnknownKeys } from "../options/checks.js";
import { clearingCookie, isCookieName, isCookiePath } from "../respond/set-cookie.js";

/** Bytes of randomness in a trust token: 256 bits. */
export const TRUST_TOKEN_BYTES = 32;

/** A token is its 32 bytes in base64url, without padding: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * How long a trusted device is trusted when `trustFor` is not set: 30 days.
 * @default 2592000000
 */
export const DEFAULT_TRUST_FOR_MS = 30 * 86_400_000;

/**
 * "Last used" is written at most this often per device, so a busy user does not write on every sign-in.
 * @default 3600000
 */
export const TOUCH_INTERVAL_MS = 3_600_000;

/** The trusted-device options, parsed. */
export interface TrustedDeviceConfig {
  /** How long a device stays trusted after it was trusted, in ms. */
  readonly trustForMs: number;
  /** The cookie's name without prefix; `__Host-` (or `__Secure-`) is added on HTTPS. */
  readonly cookieName: string;
  /** The cookie's path. */
  readonly cookiePath: string;
}

/** The options of trusted devices, as the app writes them in `secondFactor({...})`. */
export interface TrustedDeviceOptions {
  /**
   * How long "don't ask again on this browser" lasts: a duration (`"30d"`, `"12h"`) or ms, at most 366 days.
   * @default "30d"
   */
  trustFor?: string | number;
  /** Where the trust cookie lives. */
  trustedDevices?: {
    /**
     * The cookie's name (an RFC 6265 token). On HTTPS it is sent as `__Host-NAME` (path `/`) or
     * `__Secure-NAME` (another path).
     * @default "second_factor_trust"
     */
    cookieName?: string;
    /**
     * The cookie's path: `/` unless the app lives under a path of its own.
     * @default "/"
     */
    cookiePath?: string;
  };
}

/**
 * Parses `trustFor` and `trustedDevices` (the options module calls it once); errors are
 * `ERR_SF_INVALID_OPTION` naming the option and the fix.
 * @example
 * const trust = parseTrustedDeviceOptions({ trustFor: "14d", trustedDevices: { cookieName: "trust" } });
 */
export function parseTrustedDeviceOptions(options: TrustedDeviceOptions): TrustedDeviceConfig {
  const trustForMs =
    options.trustFor === undefined ? DEFAULT_TRUST_FOR_MS : parseDuration(options.trustFor, "trustFor");
  // The cookie's Max-Age is in whole seconds: under a minute would be a cookie that dies at once.
  if (trustForMs < 60_000) {
    throw invalidOption("trustFor", describeValue(options.trustFor), 'use at least a minute, e.g. "30d"');
  }
  const devices = options.trustedDevices ?? {};
  if (!isPlainObject(devices)) {
    throw invalidOption(
      "trustedDevices",
      describeValue(devices),
      'pass an object, e.g. { cookieName: "trust" }',
    );
  }
  rejectUnknownKeys(devices, ["cookieName", "cookiePath"], "trustedDevices.");
  const cookieName = devices.cookieName ?? "second_factor_trust";
  if (!isCookieName(cookieName) || /^__(host|secure)-/i.test(cookieName)) {
    throw invalidOption(
      "trustedDevices.cookieName",
      describeValue(cookieName),
      'use letters, digits, "_" or "-", e.g. "second_factor_trust", without a __Host- or __Secure- prefix (added on HTTPS)',
    );
  }
  const cookiePath = devices.cookiePath ?? "/";
  if (!isCookiePath(cookiePath)) {
    throw invalidOption(
      "trustedDevices.cookiePath",
      describeValue(cookiePath),
      'use a path starting with "/" without ";" or control characters, e.g. "/"',
    );
  }
  return Object.freeze({ trustForMs, cookieName, cookiePath });
}

/**
 * A new trust token: 256 bits from the CSPRNG, base64url (43 characters). Only the browser keeps it.
 * @example
 * const token = newTrustToken();
 */
export function newTrustToken(): string {
  return randomBytes(TRUST_TOKEN_BYTES).toString("base64url");
}

/**
 * Whether `value` has a trust token's shape; anything else from a cookie is ignored before hashing.
 * @example
 * if (!isTrustTokenShape(view.cookie(name))) return clearTrustCookie(config, view.secure);
 */
export function isTrustTokenShape(value: unknown): value is string {
  return typeof value === "string" && TOKEN_SHAPE.test(value);
}

/**
 * What the store keeps of a token: its SHA-256, base64url. A plain, fast hash is right here, unlike for
 * recovery codes: the token has 256 random bits, so no guess list or brute force can find a token from
 * its hash (NIST SP 800-63B-4 §3.1.2 asks a salted slow hash only of secrets under 112 bits), and a
 * fast hash lets the store find the device by an exact lookup on every guard that reads the cookie.
 * @example
 * await store.addTrustedDevice(user.id, { tokenHash: trustTokenHash(token), ... });
 */
export function trustTokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/**
 * Whether `token` is the one whose hash is `storedHash`, compared in constant time: for a store that
 * hands back a device and a caller that checks it again.
 * @example
 * if (!trustTokenMatches(token, device.tokenHash)) return ignore();
 */
export function trustTokenMatches(token: string, storedHash: string): boolean {
  const actual = Buffer.from(trustTokenHash(token), "utf8");
  const expected = Buffer.from(storedHash, "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The cookie's name on this request: `__Host-NAME` on HTTPS with path `/` (no other host or path can
 * set or shadow it), `__Secure-NAME` on HTTPS with another path, `NAME` on plain HTTP (development).
 * @example
 * const token = view.cookie(trustCookieName(config, view.secure));
 */
export function trustCookieName(config: TrustedDeviceConfig, secure: boolean): string {
  if (!secure) return config.cookieName;
  return config.cookiePath === "/" ? `__Host-${config.cookieName}` : `__Secure-${config.cookieName}`;
}

/**
 * The cookie that keeps `token` in the browser: `HttpOnly`, `SameSite=Lax`, `Secure` on HTTPS, for `trustFor`.
 * @example
 * return { ...redirect, cookies: [trustCookie(config, token, view.secure)] };
 */
export function trustCookie(config: TrustedDeviceConfig, token: string, secure: boolean): DecisionCookie {
  return Object.freeze({
    name: trustCookieName(config, secure),
    value: token,
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: config.cookiePath,
    maxAgeSeconds: Math.floor(config.trustForMs / 1000),
  });
}

/**
 * The cookie that removes the trust token (a tampered, expired, revoked or another user's token).
 * @example
 * return { ...decision, cookies: [clearTrustCookie(config, view.secure)] };
 */
export function clearTrustCookie(config: TrustedDeviceConfig, secure: boolean): DecisionCookie {
  return clearingCookie(trustCookieName(config, secure), { path: config.cookiePath, secure });
}

/**
 * When a device trusted at `createdAt` stops being trusted.
 * @example
 * await store.addTrustedDevice(userId, { ..., expiresAt: trustExpiresAt(config, now) });
 */
export function trustExpiresAt(config: TrustedDeviceConfig, createdAt: number): number {
  return createdAt + config.trustForMs;
}

/**
 * Whether "last used" should be written now: at most once per {@link TOUCH_INTERVAL_MS}, and when the
 * stored time is ahead of the clock (the clock was set back).
 * @example
 * if (shouldTouchDevice(device.lastUsedAt, now)) await store.touchTrustedDevice(userId, device.id, now);
 */
export function shouldTouchDevice(lastUsedAt: number, now: number, intervalMs = TOUCH_INTERVAL_MS): boolean {
  return now - lastUsedAt >= intervalMs || lastUsedAt > now;
}

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  // Order matters: Edge, Opera and Samsung Internet also say "Chrome"; Chrome also says "Safari".
  [/\bEdg(e|A|iOS)?\//, "Edge"],
  [/\b(OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(Firefox|FxiOS)\//, "Firefox"],
  [/\b(Chrome|CriOS|Chromium|HeadlessChrome)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
];

const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\biPhone\b/, "iPhone"],
  [/\biPad\b/, "iPad"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

/**
 * A short label for the settings page from a `User-Agent` ("Chrome on macOS", "Safari on iPhone"),
 * `"Unknown browser"` when nothing is recognised. Only for people to recognise their devices: a
 * User-Agent is chosen by the client and proves nothing.
 * @example
 * deviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"); // "Firefox on Linux"
 */
export function deviceLabel(userAgent: string | undefined): string {
  const text = (userAgent ?? "").slice(0, 512);
  const browser = BROWSERS.find(([pattern]) => pattern.test(text))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(text))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  return browser ?? (system === undefined ? "Unknown browser" : `A browser on ${system}`);
}
