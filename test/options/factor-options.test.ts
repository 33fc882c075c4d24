// The options of issue 12: factors, enrolment, manageMaxAge, phoneNumbers, and the guard's methods.
import { describe, expect, it, vi } from "vitest";
import { parseOptions } from "../../src/options/index.js";
import { createMemoryFactorStore } from "../../src/stores/index.js";
import { harness, SECRET, StubProvider } from "../helpers/core.js";

const quiet = { warn: () => {}, error: () => {} };
const base = () => ({ provider: new StubProvider(), user: () => null, secret: SECRET, logger: quiet });

describe("factor options", () => {
  it("defaults: memory factors with one warning, enrolment required, manageMaxAge 10 minutes, any country", () => {
    const warn = vi.fn();
    const config = parseOptions({ ...base(), logger: { warn, error: () => {} } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/no "factors" option; enrolled factors are kept in memory/);
    expect(config).toMatchObject({ enrolment: "required", manageMaxAgeMs: 600_000 });
    expect(config.phoneNumbers).toEqual({ allowedCountries: undefined, defaultCountry: undefined });
    const own = createMemoryFactorStore();
    expect(parseOptions({ ...base(), factors: own }).factors).toBe(own);
  });

  it.each([
    [{ enrolment: "sometimes" }, /"enrolment".*"required".*"off"/],
    [{ manageMaxAge: "soon" }, /"manageMaxAge"/],
    [
      { phoneNumbers: { allowedCountries: ["XX"] } },
      /"phoneNumbers.allowedCountries".*"XX".*ISO 3166-1 alpha-2/,
    ],
    [{ phoneNumbers: { allowedCountries: ["us"] } }, /"phoneNumbers.allowedCountries".*capitals/],
    [{ phoneNumbers: { allowedCountries: [] } }, /"phoneNumbers.allowedCountries".*non-empty/],
    [
      { phoneNumbers: { allowedCountries: ["US"], defaultCountry: "FR" } },
      /"phoneNumbers.defaultCountry".*allowedCountries/,
    ],
    [{ phoneNumbers: { countries: ["US"] } }, /phoneNumbers\.countries/],
    [{ factors: { kind: "mongo" } }, /"factors.kind"/],
  ])("refuses %j with a message naming the option and the fix", (extra, message) => {
    expect(() => parseOptions({ ...base(), ...extra })).toThrow(message);
    try {
      parseOptions({ ...base(), ...extra });
    } catch (error) {
      expect((error as { code?: string }).code).toBe("ERR_SF_INVALID_OPTION");
    }
  });

  it("parses a national number with defaultCountry", () => {
    const config = parseOptions({
      ...base(),
      phoneNumbers: { allowedCountries: ["US", "CA"], defaultCountry: "US" },
    });
    expect(config.phoneNumbers).toEqual({ allowedCountries: ["US", "CA"], defaultCountry: "US" });
  });
});

describe("guard policy methods", () => {
  it("accepts methods, keeps channels as its alias, and refuses both at once", () => {
    const h = harness();
    expect(() => h.core.guard({ methods: ["sms", "totp"] })).not.toThrow();
    expect(() => h.core.guard({ channels: ["sms"] })).not.toThrow();
    expect(() => h.core.guard({ methods: ["sms"], channels: ["sms"] })).toThrow(/pass only "methods"/);
    expect(() => h.core.guard({ methods: ["fax" as "sms"] })).toThrow(/"methods".*"fax"/);
    expect(() => h.core.guard({ methods: ["whatsapp"] })).toThrow(/"methods"/);
  });
});
