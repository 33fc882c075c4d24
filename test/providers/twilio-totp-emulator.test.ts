// The Twilio Verify TOTP provider against the emulator over HTTP, through the real SDK: enrol (the
// binding once, only the factor SID stored, an HMAC identity), wrong and right confirmation, approved
// and wrong challenges, ±1 step accepted and ±2 refused on the emulator's clock, Twilio's attempt
// limits as results, outages as ERR_SF_PROVIDER_UNAVAILABLE, and no code or secret in any error.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TotpProvider, TotpSecretRef } from "../../src/twilio.js";
import { twilioVerifyTotp } from "../../src/twilio.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  closedPort,
  expectNothingSecret,
  expectUnavailable,
  thrown,
} from "./helpers.js";

const APP_SECRET = "an-app-secret-of-at-least-32-bytes!!";
const ACCOUNT = "alice@example.com";
let emulator: VerifyEmulator;
let totp: TotpProvider;

function providerFor(emulatorUrl = emulator.url): TotpProvider {
  return twilioVerifyTotp({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceSid: emulator.defaultServiceSid,
    emulatorUrl,
    secret: APP_SECRET,
    now: () => emulator.now(),
  });
}

function wrong(code: string): string {
  return code.replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
}

function factorSid(stored: TotpSecretRef): string {
  if (stored.type !== "twilio") throw new Error("expected a Twilio factor");
  return stored.factorSid;
}

async function enrolled(): Promise<{ stored: TotpSecretRef; sid: string; secret: string }> {
  const { stored, secret } = await totp.enrol({ accountId: ACCOUNT, label: ACCOUNT });
  const sid = factorSid(stored);
  const confirmed = await totp.confirm({ accountId: ACCOUNT, stored, code: emulator.totpCode(sid) ?? "" });
  expect(confirmed.status).toBe("confirmed");
  return { stored, sid, secret };
}

beforeAll(async () => {
  emulator = await startEmulator();
  totp = providerFor();
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator.close();
});

describe("twilioVerifyTotp against the emulator", () => {
  it("enrols: the binding once, only the factor SID to store, no PII at Twilio", async () => {
    const enrolment = await totp.enrol({ accountId: ACCOUNT, label: ACCOUNT });
    expect(enrolment.stored).toEqual({
      type: "twilio",
      factorSid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
    });
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Verify%20Emulator:Authenticator%20app\?secret=/);
    expect(enrolment.uri).not.toContain("alice");
    const list = await fetch(`${emulator.url}/v2/Services/${emulator.defaultServiceSid}/Entities`, {
      headers: { Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64")}` },
    });
    const { entities } = (await list.json()) as { entities: { identity: string }[] };
    expect(entities).toHaveLength(1);
    expect(entities[0]?.identity).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(entities)).not.toContain("alice");
  });

  it("a wrong confirmation adds nothing; the right one confirms", async () => {
    const { stored } = await totp.enrol({ accountId: ACCOUNT, label: ACCOUNT });
    const code = emulator.totpCode(factorSid(stored)) ?? "";
    expect(await totp.confirm({ accountId: ACCOUNT, stored, code: wrong(code) })).toEqual({
      status: "wrong",
    });
    // Another account cannot confirm it: its identity differs, so the factor is not found there.
    expect(await totp.confirm({ accountId: "mallory", stored, code })).toEqual({ status: "not_found" });
    const confirmed = await totp.confirm({ accountId: ACCOUNT, stored, code });
    expect(confirmed).toMatchObject({
      status: "confirmed",
      singleUse: { key: expect.stringMatching(/^totp-code:/) },
    });
    expect(JSON.stringify(confirmed)).not.toContain(code);
  });

  it("approves a current code and ±1 step, refuses ±2 and a wrong code (challenge pending)", async () => {
    const { stored, sid } = await enrolled();
    const verify = (code: string) => totp.verify({ accountId: ACCOUNT, stored, code });
    expect(await verify(emulator.totpCode(sid) ?? "")).toMatchObject({
      status: "approved",
      timeStep: Math.floor(emulator.now() / 30_000),
    });
    for (const offset of [-1, 1])
      expect((await verify(emulator.totpCode(sid, offset) ?? "")).status).toBe("approved");
    const near = [-1, 0, 1].map((offset) => emulator.totpCode(sid, offset));
    for (const offset of [-2, 2]) {
      const code = emulator.totpCode(sid, offset) ?? "";
      if (!near.includes(code)) expect(await verify(code)).toEqual({ status: "wrong" });
    }
    expect(await verify(wrong(emulator.totpCode(sid) ?? ""))).toEqual({ status: "wrong" });
    expect(await verify("12345")).toEqual({ status: "invalid_code" });
  });

  it("maps five wrong factor verifications (60310) to too_many_attempts", async () => {
    const { stored } = await totp.enrol({ accountId: ACCOUNT, label: ACCOUNT });
    const code = emulator.totpCode(factorSid(stored)) ?? "";
    for (let i = 0; i < 5; i++) {
      expect(await totp.confirm({ accountId: ACCOUNT, stored, code: wrong(code) })).toEqual({
        status: "wrong",
      });
    }
    expect(await totp.confirm({ accountId: ACCOUNT, stored, code })).toEqual({ status: "too_many_attempts" });
  });

  it("maps 50 challenges an hour (60312) to too_many_attempts", async () => {
    const { stored, sid } = await enrolled();
    for (let i = 0; i < 50; i++) {
      expect(
        (await totp.verify({ accountId: ACCOUNT, stored, code: wrong(emulator.totpCode(sid) ?? "") })).status,
      ).toBe("wrong");
    }
    expect(await totp.verify({ accountId: ACCOUNT, stored, code: emulator.totpCode(sid) ?? "" })).toEqual({
      status: "too_many_attempts",
    });
  });

  it("removes the factor; then it is not found", async () => {
    const { stored, sid } = await enrolled();
    expect(await totp.remove({ accountId: ACCOUNT, stored })).toEqual({ status: "removed" });
    expect(await totp.remove({ accountId: ACCOUNT, stored })).toEqual({ status: "not_found" });
    expect(
      await totp.verify({ accountId: ACCOUNT, stored, code: emulator.totpCode(sid) ?? "000000" }),
    ).toEqual({
      status: "not_found",
    });
  });

  it("throws ERR_SF_PROVIDER_UNAVAILABLE on an outage, with no code or secret in it", async () => {
    const { stored, sid, secret } = await enrolled();
    const down = providerFor(`http://127.0.0.1:${await closedPort()}`);
    const code = emulator.totpCode(sid) ?? "";
    for (const work of [
      down.verify({ accountId: ACCOUNT, stored, code }),
      down.confirm({ accountId: ACCOUNT, stored, code }),
      down.enrol({ accountId: ACCOUNT, label: ACCOUNT }),
      down.remove({ accountId: ACCOUNT, stored }),
    ]) {
      const error = await thrown(work);
      expectUnavailable(error);
      expectNothingSecret(error, [code, secret, APP_SECRET, AUTH_TOKEN, ACCOUNT]);
    }
  });

  it("refuses bad options by name", () => {
    const base = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, serviceSid: emulator.defaultServiceSid };
    expect(() => twilioVerifyTotp({ ...base, secret: "short" })).toThrow(/twilioVerifyTotp.secret/);
    expect(() => twilioVerifyTotp({ ...base, secret: APP_SECRET, factorName: "" })).toThrow(/factorName/);
  });
});
