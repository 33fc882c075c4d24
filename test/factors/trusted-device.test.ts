// Trusted-device building blocks (DESIGN §4 rule 13): a 256-bit random token only its hash of is
// stored, in an HttpOnly, SameSite=Lax cookie (Secure and __Host- on HTTPS), a label from the
// User-Agent, "last used" written at most once an hour, and options checked through the toolkit.
import { describe, expect, it } from "vitest";
import { isSecondFactorError } from "../../src/errors.js";
import {
  clearTrustCookie,
  DEFAULT_TRUST_FOR_MS,
  deviceLabel,
  isTrustTokenShape,
  newTrustToken,
  parseTrustedDeviceOptions,
  shouldTouchDevice,
  trustCookie,
  trustCookieName,
  trustExpiresAt,
  trustTokenHash,
  trustTokenMatches,
} from "../../src/factors/trusted-device.js";
import { serializeSetCookie } from "../../src/respond/set-cookie.js";

const config = parseTrustedDeviceOptions({});

describe("trust token", () => {
  it("is 32 random bytes in base64url, new every time", () => {
    const tokens = new Set(Array.from({ length: 200 }, newTrustToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(isTrustTokenShape(token)).toBe(true);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
    }
  });

  it("is stored only as its SHA-256, which is not itself a token and matches only its token", () => {
    const token = newTrustToken();
    const hash = trustTokenHash(token);
    expect(hash).not.toContain(token);
    expect(hash).toBe(trustTokenHash(token));
    expect(trustTokenMatches(token, hash)).toBe(true);
    expect(trustTokenMatches(newTrustToken(), hash)).toBe(false);
    // The stored value used as a cookie is another token, whose hash is not the stored one.
    expect(trustTokenMatches(hash, hash)).toBe(false);
    expect(trustTokenMatches(token, hash.slice(1))).toBe(false);
    expect(trustTokenMatches(token, "")).toBe(false);
  });

  it("refuses values of another shape", () => {
    for (const value of [
      undefined,
      "",
      "x".repeat(42),
      `${"x".repeat(42)}=`,
      "x".repeat(44),
      `${"x".repeat(42)};`,
    ]) {
      expect(isTrustTokenShape(value)).toBe(false);
    }
  });
});

describe("trust cookie", () => {
  it("is __Host-, Secure, HttpOnly, SameSite=Lax, path / and 30 days on HTTPS", () => {
    const token = newTrustToken();
    expect(serializeSetCookie(trustCookie(config, token, true))).toBe(
      `__Host-second_factor_trust=${token}; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(trustCookieName(config, true)).toBe("__Host-second_factor_trust");
  });

  it("has no prefix and no Secure on plain HTTP, and __Secure- under another path", () => {
    const token = newTrustToken();
    expect(serializeSetCookie(trustCookie(config, token, false))).toBe(
      `second_factor_trust=${token}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax`,
    );
    const app = parseTrustedDeviceOptions({
      trustFor: "1d",
      trustedDevices: { cookieName: "t", cookiePath: "/app" },
    });
    expect(serializeSetCookie(trustCookie(app, token, true))).toBe(
      `__Secure-t=${token}; Path=/app; Max-Age=86400; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it("is cleared under the same name and path", () => {
    expect(serializeSetCookie(clearTrustCookie(config, true))).toMatch(
      /^__Host-second_factor_trust=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it("expires trustFor after it was made", () => {
    expect(DEFAULT_TRUST_FOR_MS).toBe(30 * 86_400_000);
    expect(trustExpiresAt(config, 1_000)).toBe(1_000 + DEFAULT_TRUST_FOR_MS);
  });
});

describe("options", () => {
  const refusal = (options: Parameters<typeof parseTrustedDeviceOptions>[0]): string => {
    try {
      parseTrustedDeviceOptions(options);
    } catch (error) {
      if (isSecondFactorError(error) && error.code === "ERR_SF_INVALID_OPTION") return error.message;
      throw error;
    }
    throw new Error("not refused");
  };

  it("has defaults", () => {
    expect(config).toEqual({
      trustForMs: DEFAULT_TRUST_FOR_MS,
      cookieName: "second_factor_trust",
      cookiePath: "/",
    });
  });

  it("refuses bad values naming the option and the fix", () => {
    expect(refusal({ trustFor: "forever" })).toMatch(/"trustFor".*Fix:/);
    expect(refusal({ trustFor: 0 })).toContain('"trustFor"');
    expect(refusal({ trustedDevices: { cookieName: "a;b" } })).toMatch(/"trustedDevices\.cookieName".*Fix:/);
    expect(refusal({ trustedDevices: { cookieName: "__Host-x" } })).toContain("prefix");
    expect(refusal({ trustedDevices: { cookiePath: "app" } })).toContain('"trustedDevices.cookiePath"');
    expect(refusal({ trustedDevices: { cookiePath: "/a\r\nb" } })).toContain('"trustedDevices.cookiePath"');
    expect(refusal({ trustedDevices: { cookeName: "x" } as never })).toContain('"trustedDevices.cookeName"');
    expect(refusal({ trustedDevices: "x" as never })).toContain('"trustedDevices"');
  });
});

describe("touching last used", () => {
  const HOUR = 3_600_000;
  it("writes at most once an hour", () => {
    expect(shouldTouchDevice(0, HOUR - 1)).toBe(false);
    expect(shouldTouchDevice(0, HOUR)).toBe(true);
    expect(shouldTouchDevice(0, 5 * HOUR)).toBe(true);
  });
  it("writes when the stored time is ahead of the clock", () => {
    expect(shouldTouchDevice(10 * HOUR, 9 * HOUR)).toBe(true);
  });
});

describe("deviceLabel", () => {
  const cases: [string, string][] = [
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
      "Chrome on macOS",
    ],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari on iPhone",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
      "Safari on macOS",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
      "Edge on Windows",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
    ],
    [
      "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1",
      "Chrome on iPad",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
      "Opera on Windows",
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
      "Chrome on Linux",
    ],
    ["curl/8.5.0", "Unknown browser"],
    ["", "Unknown browser"],
  ];
  it.each(cases)("%s -> %s", (userAgent, label) => {
    expect(deviceLabel(userAgent)).toBe(label);
  });
  it("has a label without a user agent", () => {
    expect(deviceLabel(undefined)).toBe("Unknown browser");
    expect(deviceLabel("Something (Linux)")).toBe("A browser on Linux");
  });
});
