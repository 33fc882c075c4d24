// The options of issue 13: totp (provider, issuer, accountLabel, false) and previousSecrets, parsed
// once with messages that name the option and the fix, never a secret.
import { describe, expect, it } from "vitest";
import { localTotp } from "../../src/factors/local-totp.js";
import { parseOptions } from "../../src/options/index.js";
import { SECRET, StubProvider } from "../helpers/core.js";

const quiet = { warn: () => {}, error: () => {} };
const base = () => ({
  provider: new StubProvider(),
  user: () => null,
  secret: SECRET,
  logger: quiet,
  factors: { kind: "memory" as const },
});

describe("totp options", () => {
  it("defaults to the local provider, labels accounts by e-mail or id, and turns off with false", () => {
    const config = parseOptions(base());
    expect(config.totp?.provider.name).toBe("local-totp");
    expect(config.totp?.accountLabel({ id: "42", email: "ana@example.com" })).toBe("ana@example.com");
    expect(config.totp?.accountLabel({ id: "42" })).toBe("42");
    expect(parseOptions({ ...base(), totp: false }).totp).toBeUndefined();
    const labelled = parseOptions({
      ...base(),
      totp: { accountLabel: (user: { id: string }) => `a:b\u0007${user.id}` },
    });
    expect(labelled.totp?.accountLabel({ id: "7" })).toBe("ab7");
  });

  it("takes a provider of its own and an issuer for the local one", async () => {
    const own = localTotp({ secret: SECRET, issuer: "Example Bank" });
    expect(parseOptions({ ...base(), totp: { provider: own } }).totp?.provider).toBe(own);
    const config = parseOptions({ ...base(), totp: { issuer: "Example Bank" } });
    const enrolment = await config.totp?.provider.enrol({ accountId: "1", label: "ana" });
    expect(enrolment?.uri).toMatch(/^otpauth:\/\/totp\/Example%20Bank:ana\?/);
  });

  it.each([
    [{ totp: "yes" }, /option "totp" is invalid.*or false/],
    [{ totp: { issuers: "x" } }, /totp\.issuers/],
    [{ totp: { issuer: "a:b" } }, /"localTotp.issuer"/],
    [{ totp: { provider: {} } }, /"totp.provider".*enrol\(\).*twilioVerifyTotp/],
    [
      { totp: { provider: localTotp({ secret: SECRET }), issuer: "X" } },
      /"totp.issuer".*set the issuer on the provider/,
    ],
    [{ totp: { accountLabel: "ana" } }, /"totp.accountLabel"/],
    [{ previousSecrets: "old" }, /"previousSecrets".*a list of up to 10/],
    [{ previousSecrets: ["too-short"] }, /"previousSecrets\[0\]".*a secret of 9 bytes/],
  ])("refuses %j with a message naming the option and the fix", (extra, message) => {
    expect(() => parseOptions({ ...base(), ...extra })).toThrow(message);
  });

  it("never shows a secret in its messages", () => {
    const old = "an-old-secret-that-is-too-short";
    try {
      parseOptions({ ...base(), previousSecrets: [old] });
    } catch (error) {
      expect(String(error)).not.toContain(old);
      return;
    }
    throw new Error("not refused");
  });
});
