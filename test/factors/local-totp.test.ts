// The local TOTP provider: RFC 6238 (SHA-1, 6 digits, 30 s) on the app's clock, ±1 step accepted and
// ±2 refused, the matched step returned for single use (rule 3), the secret stored encrypted (rule 12).
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { localTotp } from "../../src/factors/local-totp.js";
import { secretBox } from "../../src/factors/secret-box.js";
import type { TotpSecretRef } from "../../src/providers/totp-provider.js";

const SECRET = "a-secret-of-at-least-32-bytes-long!!";
// A time in the middle of step 58_000_000, so that ±1 step is exactly ±30 s.
const T0 = 58_000_000 * 30_000 + 15_000;

function codeAt(secret: string, ms: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({
    timestamp: ms,
  });
}

function setup(clock = { now: T0 }) {
  const totp = localTotp({ secret: SECRET, issuer: "Example Bank", now: () => clock.now });
  return { totp, clock };
}

describe("localTotp", () => {
  it("enrols a 160-bit secret with an otpauth URI and stores it encrypted for the account", async () => {
    const { totp } = setup();
    const enrolment = await totp.enrol({ accountId: "42", label: "alice" });
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(enrolment.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(enrolment.uri.startsWith("otpauth://totp/Example%20Bank:alice?")).toBe(true);
    expect(uri.searchParams.get("secret")).toBe(enrolment.secret);
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
    expect(enrolment.stored.type).toBe("encrypted");
    const stored = JSON.stringify(enrolment.stored);
    expect(stored).not.toContain(enrolment.secret.slice(0, 10));
    const raw = Buffer.from(
      secretBox({ secret: SECRET }).open((enrolment.stored as { ciphertext: string }).ciphertext, "totp:42"),
    );
    expect(raw).toHaveLength(20);
    for (const encoded of [raw.toString("hex"), raw.toString("base64"), raw.toString("base64url")]) {
      expect(stored).not.toContain(encoded.slice(0, 10));
    }
    const other = await totp.enrol({ accountId: "42", label: "alice" });
    expect(other.secret).not.toBe(enrolment.secret);
  });

  it("confirms a current code, refuses a wrong one, and returns the matched step", async () => {
    const { totp } = setup();
    const { secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
    const right = codeAt(secret, T0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    expect(await totp.confirm({ accountId: "42", stored, code: wrong })).toEqual({ status: "wrong" });
    expect(await totp.confirm({ accountId: "42", stored, code: right })).toEqual({
      status: "confirmed",
      timeStep: 58_000_000,
      singleUse: { key: "totp-step:58000000", ttlSeconds: 90 },
    });
    expect(
      await totp.verify({ accountId: "42", stored, code: `${right.slice(0, 3)} ${right.slice(3)}` }),
    ).toMatchObject({
      status: "approved",
      timeStep: 58_000_000,
    });
  });

  it("accepts ±1 step of drift with the matched step, and refuses ±2", async () => {
    const { totp } = setup();
    const { secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
    for (const steps of [-1, 1]) {
      const result = await totp.verify({
        accountId: "42",
        stored,
        code: codeAt(secret, T0 + steps * 30_000),
      });
      expect(result).toMatchObject({ status: "approved", timeStep: 58_000_000 + steps });
    }
    for (const steps of [-2, 2]) {
      const code = codeAt(secret, T0 + steps * 30_000);
      // A code that happens to equal one inside the window would pass by right; skip that 1-in-10^5 case.
      if ([-1, 0, 1].some((near) => codeAt(secret, T0 + near * 30_000) === code)) continue;
      expect(await totp.verify({ accountId: "42", stored, code })).toEqual({ status: "wrong" });
    }
  });

  it("follows the app's clock, not the machine's", async () => {
    const clock = { now: T0 };
    const { totp } = setup(clock);
    const { secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
    const code = codeAt(secret, T0);
    clock.now = T0 + 5 * 30_000;
    expect(await totp.verify({ accountId: "42", stored, code })).toEqual({ status: "wrong" });
    expect(await totp.verify({ accountId: "42", stored, code: codeAt(secret, clock.now) })).toMatchObject({
      status: "approved",
      timeStep: 58_000_005,
    });
  });

  it("answers invalid_code for anything not 6 digits, and refuses another account's ciphertext", async () => {
    const { totp } = setup();
    const { secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
    for (const code of ["", "12345", "1234567", "12a456", "１２３４５６", 123456 as unknown as string]) {
      expect(await totp.verify({ accountId: "42", stored, code })).toEqual({ status: "invalid_code" });
    }
    const twilio: TotpSecretRef = { type: "twilio", factorSid: `YF${"0".repeat(32)}` };
    expect(await totp.verify({ accountId: "42", stored: twilio, code: "123456" })).toEqual({
      status: "not_found",
    });
    await expect(totp.verify({ accountId: "43", stored, code: codeAt(secret, T0) })).rejects.toMatchObject({
      code: "ERR_SF_SECRET_UNREADABLE",
    });
  });

  it("keeps working after a rotation of secret (previousSecrets)", async () => {
    const { totp } = setup();
    const { secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
    const rotated = localTotp({ secret: "b".repeat(40), previousSecrets: [SECRET], now: () => T0 });
    expect(await rotated.verify({ accountId: "42", stored, code: codeAt(secret, T0) })).toMatchObject({
      status: "approved",
    });
  });

  it("refuses bad options with the option's name", () => {
    expect(() => localTotp({ secret: "short" })).toThrow(/"secret"/);
    expect(() => localTotp({ secret: SECRET, issuer: "a:b" })).toThrow(/localTotp.issuer/);
    expect(() => localTotp({ secret: SECRET, nope: 1 } as never)).toThrow(/localTotp.nope/);
    expect(() => localTotp({ secret: SECRET, now: 5 } as never)).toThrow(/localTotp.now/);
  });
});
