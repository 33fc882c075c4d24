import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/duration.js";

describe("parseDuration", () => {
  it.each([
    ["5m", 300_000],
    ["30s", 30_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["250ms", 250],
    [" 10m ", 600_000],
    [1500, 1500],
  ])("reads %j as %d ms", (value, ms) => {
    expect(parseDuration(value, "maxAge")).toBe(ms);
  });

  it.each([
    ["5 minutes"],
    ["5M"],
    ["-5m"],
    ["1.5h"],
    ["m"],
    [""],
    [-1],
    [1.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [null],
    [{}],
    ["400d"],
  ])("refuses %j naming the option and the fix", (value) => {
    expect(() => parseDuration(value, "maxAge")).toThrow(
      expect.objectContaining({
        code: "ERR_SF_INVALID_OPTION",
        message: expect.stringContaining('"maxAge"'),
      }),
    );
    expect(() => parseDuration(value, "maxAge")).toThrow(/"30s", "5m"/);
  });

  it("refuses zero unless allowed", () => {
    expect(() => parseDuration(0, "maxAge")).toThrow(/greater than 0/);
    expect(() => parseDuration("0s", "maxAge")).toThrow(/maxAge/);
    expect(parseDuration(0, "resendAfter", true)).toBe(0);
  });

  it("shows the bad value in the message", () => {
    expect(() => parseDuration("5 minutes", "maxAge")).toThrow(/got "5 minutes"/);
  });
});
