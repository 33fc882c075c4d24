import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../../src/record/return-to.js";

describe("safeReturnTo", () => {
  it.each([
    "/",
    "/account",
    "/account?tab=2&x=y",
    "/transfer#confirm",
    "/a/b/c.html",
    "/search?q=a%20b",
    "/caf%C3%A9",
    "/@user",
    "/path;param",
  ])("keeps the same-origin path %j", (value) => {
    expect(safeReturnTo(value)).toBe(value);
  });

  it.each([
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with path", "//evil.example/account"],
    ["slash-backslash", "/\\evil.example"],
    ["backslashes", "\\\\evil.example"],
    ["backslash inside", "/a\\b"],
    ["absolute http", "http://evil.example"],
    ["absolute https", "https://evil.example/account"],
    ["javascript scheme", "javascript:alert(1)"],
    ["data scheme", "data:text/html,<script>alert(1)</script>"],
    ["relative", "account"],
    ["empty", ""],
    ["encoded slashes", "/%2F%2Fevil.example"],
    ["encoded slash after slash", "/%2fevil.example"],
    ["encoded backslash", "/%5Cevil.example"],
    ["encoded backslash lower", "/%5cevil.example"],
    ["double-encoded slashes", "/%252F%252Fevil.example"],
    ["triple-encoded slashes", "/%25252F%25252Fevil.example"],
    ["double-encoded backslash", "/%255Cevil.example"],
    ["CR LF", "/account\r\nSet-Cookie: x=1"],
    ["encoded CR LF", "/account%0d%0aSet-Cookie:%20x=1"],
    ["double-encoded CR LF", "/account%250d%250a"],
    ["tab", "/\t/evil.example"],
    ["encoded tab", "/%09/evil.example"],
    ["NUL", "/account\u0000"],
    ["encoded NUL", "/account%00"],
    ["DEL", "/account\u007f"],
    ["space", "/my account"],
    ["non-ASCII", "/café"],
    ["malformed encoding", "/account%E0%A4%A"],
    ["lone percent", "/100%"],
    ["overlong", `/${"a".repeat(2048)}`],
    ["a number", 42],
    ["an array", ["/account"]],
    ["undefined", undefined],
  ])("drops %s", (_label, value) => {
    expect(safeReturnTo(value)).toBeUndefined();
  });

  it("keeps a path of exactly 2048 characters", () => {
    const path = `/${"a".repeat(2047)}`;
    expect(safeReturnTo(path)).toBe(path);
  });
});
