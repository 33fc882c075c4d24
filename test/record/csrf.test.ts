import { describe, expect, it } from "vitest";
import { csrfMatches, newCsrfToken } from "../../src/record/csrf.js";

describe("CSRF tokens", () => {
  it("are random and 43 base64url characters", () => {
    const tokens = new Set(Array.from({ length: 50 }, () => newCsrfToken()));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("match only the same token", () => {
    const token = newCsrfToken();
    expect(csrfMatches(token, token)).toBe(true);
    expect(csrfMatches(token, newCsrfToken())).toBe(false);
    expect(csrfMatches(token, token.slice(0, -1))).toBe(false);
    expect(csrfMatches(token, `${token}x`)).toBe(false);
  });

  it.each([[undefined], [null], [""], [["a", "b"]], [{}], [42]])("refuse %j", (submitted) => {
    expect(csrfMatches(newCsrfToken(), submitted)).toBe(false);
  });

  it("refuse everything when the expected token is empty", () => {
    expect(csrfMatches("", "")).toBe(false);
  });
});
