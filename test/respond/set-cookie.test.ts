// The one Set-Cookie writer: every part within RFC 6265's grammar, the name prefixes' rules kept,
// so no cookie can end the header, add an attribute or be set weaker than its name promises.
import { describe, expect, it } from "vitest";
import { isSecondFactorError } from "../../src/errors.js";
import {
  clearingCookie,
  isCookieName,
  isCookiePath,
  serializeSetCookie,
} from "../../src/respond/set-cookie.js";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isSecondFactorError(error) && error.code === "ERR_SF_MISCONFIGURED") return error.message;
    throw error;
  }
  throw new Error("not refused");
}

describe("serializeSetCookie", () => {
  it("writes HttpOnly, SameSite=Lax and Path=/ unless told otherwise", () => {
    expect(serializeSetCookie({ name: "t", value: "abc" })).toBe("t=abc; Path=/; HttpOnly; SameSite=Lax");
    expect(
      serializeSetCookie({
        name: "__Host-t",
        value: "abc",
        secure: true,
        sameSite: "Strict",
        httpOnly: false,
        maxAgeSeconds: 2592000,
      }),
    ).toBe("__Host-t=abc; Path=/; Max-Age=2592000; Secure; SameSite=Strict");
  });

  it("refuses names, values and paths outside the grammar without echoing the value", () => {
    for (const name of ["", "a b", "a;b", "a=b", "a\r\nb", "é", "a,b"]) {
      expect(refusal(() => serializeSetCookie({ name, value: "v" }))).toContain("name");
    }
    for (const value of ["a b", "a;b", "a,b", 'a"b', "a\\b", "a\nb", "\u0000", "é"]) {
      const message = refusal(() => serializeSetCookie({ name: "n", value }));
      expect(message).toContain("value");
      expect(message).not.toContain(value);
    }
    for (const path of ["", "x", "/a;b", "/a\r\nb"]) {
      expect(refusal(() => serializeSetCookie({ name: "n", value: "v", path }))).toContain("path");
    }
    for (const maxAgeSeconds of [-1, 1.5, Number.NaN]) {
      expect(refusal(() => serializeSetCookie({ name: "n", value: "v", maxAgeSeconds }))).toContain(
        "maxAgeSeconds",
      );
    }
    expect(
      refusal(() => serializeSetCookie({ name: "n", value: "v", expires: new Date(Number.NaN) })),
    ).toContain("expires");
  });

  it("keeps the prefixes' and SameSite=None's rules", () => {
    expect(refusal(() => serializeSetCookie({ name: "__Host-t", value: "v" }))).toContain("__Host-");
    expect(
      refusal(() => serializeSetCookie({ name: "__Host-t", value: "v", secure: true, path: "/x" })),
    ).toContain("__Host-");
    expect(refusal(() => serializeSetCookie({ name: "__Secure-t", value: "v" }))).toContain("__Secure-");
    expect(refusal(() => serializeSetCookie({ name: "t", value: "v", sameSite: "None" }))).toContain(
      "SameSite=None",
    );
    expect(serializeSetCookie({ name: "__Secure-t", value: "v", secure: true, path: "/x" })).toContain(
      "Secure",
    );
  });

  it("clears with an empty value, Max-Age=0 and Expires in 1970", () => {
    expect(serializeSetCookie(clearingCookie("__Host-t", { secure: true }))).toBe(
      "__Host-t=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
    );
  });

  it("checks names and paths for options", () => {
    expect(isCookieName("second_factor_trust")).toBe(true);
    expect(isCookieName("a b")).toBe(false);
    expect(isCookiePath("/")).toBe(true);
    expect(isCookiePath("/a;b")).toBe(false);
  });
});
