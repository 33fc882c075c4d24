import { describe, expect, it } from "vitest";
import { isJsonContentType, wantsJson } from "../../src/negotiate.js";

describe("wantsJson", () => {
  it.each([
    ["application/json", true],
    ["Application/JSON", true],
    ["application/json; charset=utf-8", true],
    ["application/json, text/plain, */*", true],
    ["text/html", false],
    ["*/*", false],
    [undefined, false],
    ["", false],
    ["text/html, application/json", false],
    ["application/json, text/html;q=0.9", false],
    ["application/json, text/html;q=0", true],
    ["application/json;q=0", false],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false],
    ["application/*", false],
    ["application/problem+json", false],
  ])("%j -> %s", (accept, expected) => {
    expect(wantsJson(accept)).toBe(expected);
  });

  it("treats an absurdly long header as HTML", () => {
    expect(wantsJson(`application/json,${"x".repeat(2000)}`)).toBe(false);
  });
});

describe("isJsonContentType", () => {
  it.each([
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    [" APPLICATION/JSON ", true],
    ["application/x-www-form-urlencoded", false],
    ["text/json", false],
    [undefined, false],
  ])("%j -> %s", (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });
});
