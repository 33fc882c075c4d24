import { describe, expect, it } from "vitest";
import { normalizeCode } from "../../src/code.js";

describe("normalizeCode", () => {
  it.each([
    ["123456", "123456"],
    [" 123 456 ", "123456"],
    ["123-456", "123456"],
    ["1234", "1234"],
    ["1234567890", "1234567890"],
    ["0000", "0000"],
  ])("accepts %j as %j", (value, code) => {
    expect(normalizeCode(value)).toEqual({ ok: true, code });
  });

  it.each([
    [undefined, "missing"],
    [null, "missing"],
    ["", "missing"],
    [" - ", "missing"],
    [123456, "not_text"],
    [["123456", "654321"], "not_text"],
    [{ code: "123456" }, "not_text"],
    [true, "not_text"],
    ["12a456", "not_digits"],
    ["١٢٣٤٥٦", "not_digits"],
    ["１２３４５６", "not_digits"],
    ["123\t456", "not_digits"],
    ["123_456", "not_digits"],
    ["123", "wrong_length"],
    ["12345678901", "wrong_length"],
    ["1".repeat(100), "wrong_length"],
  ])("refuses %j (%s)", (value, reason) => {
    expect(normalizeCode(value)).toEqual({ ok: false, reason });
  });

  it("applies the configured length", () => {
    expect(normalizeCode("12345", { min: 6, max: 6 })).toEqual({ ok: false, reason: "wrong_length" });
    expect(normalizeCode("123456", { min: 6, max: 6 })).toEqual({ ok: true, code: "123456" });
  });
});
