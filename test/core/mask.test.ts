import { describe, expect, it } from "vitest";
import { maskDestination, maskEmail, maskPhone } from "../../src/mask.js";

describe("masking", () => {
  it("keeps the last four digits of a phone number", () => {
    expect(maskPhone("+15017122661")).toBe("•••• •••• 2661");
    expect(maskDestination("+12025550123")).toBe("•••• •••• 0123");
  });

  it("never shows more than four digits", () => {
    for (const phone of ["+15017122661", "+447911123456", "+8613800138000", "+1234567"]) {
      const digits = maskPhone(phone).replace(/\D/g, "");
      expect(digits.length).toBeLessThanOrEqual(4);
      expect(digits.length).toBeGreaterThanOrEqual(2);
      expect(phone.endsWith(digits)).toBe(true);
    }
  });

  it("hides short numbers entirely", () => {
    expect(maskPhone("+12")).toBe("•••• ••••");
  });

  it("keeps only the first letter and the top-level domain of an e-mail address", () => {
    expect(maskEmail("alice@example.com")).toBe("a••••@••••.com");
    expect(maskDestination("alice@example.com")).not.toContain("example");
    expect(maskDestination("a@example.com")).toBe("••••@••••.com");
  });
});
