// The Verify v2 lifecycle through the real twilio SDK: send, check, resend, limits, expiry, cancel.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { ACCOUNT_SID, ALICE, CAROL, raw, sdkClient, sdkError, start, validated } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;
const svc = () => client.verify.v2.services(emu.defaultServiceSid);

function wrongCode(code: string): string {
  return code === "000000" ? "111111" : "000000";
}

function codeFor(to: string): string {
  const code = emu.lastCode(to);
  if (code === undefined) throw new Error(`no code was delivered to ${to}`);
  return code;
}

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

describe("send and check", () => {
  it("sends a pending verification with a 6-digit code, Twilio-shaped", async () => {
    const before = validated.count;
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(v.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(v.serviceSid).toBe(emu.defaultServiceSid);
    expect(v.accountSid).toBe(ACCOUNT_SID);
    expect(v.status).toBe("pending");
    expect(v.valid).toBe(false);
    expect(v.to).toBe(ALICE);
    expect(v.channel).toBe("sms");
    expect(v.url).toBe(
      `https://verify.twilio.com/v2/Services/${emu.defaultServiceSid}/Verifications/${v.sid}`,
    );
    expect(v.sendCodeAttempts).toHaveLength(1);
    expect(v.dateCreated).toBeInstanceOf(Date);
    expect(Math.abs(v.dateCreated.getTime() - emu.now())).toBeLessThan(2000);
    expect(codeFor(ALICE)).toMatch(/^\d{6}$/);
    expect(validated.count).toBe(before + 1);
  });

  it("answers a wrong code with 200 pending, the right one with approved, then 20404", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const code = codeFor(ALICE);

    const wrong = await svc().verificationChecks.create({ to: ALICE, code: wrongCode(code) });
    expect(wrong.status).toBe("pending");
    expect(wrong.valid).toBe(false);
    expect(wrong.sid).toBe(v.sid);

    const right = await svc().verificationChecks.create({ verificationSid: v.sid, code });
    expect(right.status).toBe("approved");
    expect(right.valid).toBe(true);
    expect(right.sid).toBe(v.sid);

    const again = await sdkError(svc().verificationChecks.create({ verificationSid: v.sid, code }));
    expect(again.status).toBe(404);
    expect(again.code).toBe(20404);
    expect(again.message).toBe(
      `The requested resource /v2/Services/${emu.defaultServiceSid}/VerificationCheck was not found`,
    );
    expect(again.moreInfo).toBe("https://www.twilio.com/docs/errors/20404");

    const fetched = await sdkError(svc().verifications(v.sid).fetch());
    expect(fetched.code).toBe(20404);
    expect(fetched.message).toBe(
      `The requested resource /v2/Services/${emu.defaultServiceSid}/Verifications/${v.sid} was not found`,
    );
  });

  it("answers the VerificationCheck with HTTP 200 (not 201), as the real API does", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const res = await raw(emu, `/v2/Services/${emu.defaultServiceSid}/VerificationCheck`, {
      form: { To: ALICE, Code: codeFor(ALICE) },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "approved", valid: true, sna_attempts_error_codes: [] });
  });

  it("gives 60202 on the sixth check after five wrong ones, even with the right code", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const code = codeFor(ALICE);
    for (let i = 0; i < 5; i++) {
      const check = await svc().verificationChecks.create({ to: ALICE, code: wrongCode(code) });
      expect(check.status).toBe("pending");
    }
    const sixth = await sdkError(svc().verificationChecks.create({ verificationSid: v.sid, code }));
    expect(sixth.status).toBe(429);
    expect(sixth.code).toBe(60202);
    expect((await sdkError(svc().verifications(v.sid).fetch())).code).toBe(20404);

    // a new send starts a new verification after the old one died
    const next = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(next.sid).not.toBe(v.sid);
    const ok = await svc().verificationChecks.create({ to: ALICE, code: codeFor(ALICE) });
    expect(ok.status).toBe("approved");
  });

  it("checks by To and by VerificationSid; unknown targets are 20404", async () => {
    const missing = await sdkError(svc().verificationChecks.create({ to: CAROL, code: "123456" }));
    expect(missing.code).toBe(20404);
    const unknownSid = await sdkError(
      svc().verificationChecks.create({ verificationSid: `VE${"0".repeat(32)}`, code: "123456" }),
    );
    expect(unknownSid.code).toBe(20404);
  });
});

describe("resend", () => {
  it("keeps the SID and the code, appends to send_code_attempts, also on a channel switch", async () => {
    const first = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const second = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const third = await svc().verifications.create({ to: ALICE, channel: "call" });
    expect(second.sid).toBe(first.sid);
    expect(third.sid).toBe(first.sid);
    expect(third.channel).toBe("call");
    expect(third.sendCodeAttempts).toHaveLength(3);
    const messages = emu.messages({ to: ALICE });
    expect(messages.map((m) => m.channel)).toEqual(["sms", "sms", "call"]);
    expect(new Set(messages.map((m) => m.code)).size).toBe(1);
    expect(new Set(messages.map((m) => m.verificationSid))).toEqual(new Set([first.sid]));
  });

  it("gives 60203 with Retry-After on the sixth send within 10 minutes, and not after", async () => {
    for (let i = 0; i < 5; i++) await svc().verifications.create({ to: ALICE, channel: "sms" });
    const sixth = await sdkError(svc().verifications.create({ to: ALICE, channel: "sms" }));
    expect(sixth.status).toBe(429);
    expect(sixth.code).toBe(60203);
    expect(emu.messages({ to: ALICE })).toHaveLength(5);

    const rawSixth = await raw(emu, `/v2/Services/${emu.defaultServiceSid}/Verifications`, {
      form: { To: ALICE, Channel: "sms" },
    });
    expect(rawSixth.status).toBe(429);
    expect(Number(rawSixth.headers.get("retry-after"))).toBeGreaterThan(0);

    // other destinations have their own window
    await svc().verifications.create({ to: CAROL, channel: "sms" });

    emu.advanceClock(10 * 60 * 1000);
    const later = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(later.status).toBe("pending");
  });
});

describe("expiry", () => {
  it("still checks at 9:59 and is gone (20404) at 10 minutes by the emulator's clock", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    emu.advanceClock(9 * 60 * 1000 + 59 * 1000);
    const early = await svc().verificationChecks.create({ to: ALICE, code: wrongCode(codeFor(ALICE)) });
    expect(early.status).toBe("pending");

    const v = await svc().verifications.create({ to: CAROL, channel: "sms" });
    emu.advanceClock(10 * 60 * 1000);
    const late = await sdkError(svc().verificationChecks.create({ to: CAROL, code: codeFor(CAROL) }));
    expect(late.code).toBe(20404);
    expect((await sdkError(svc().verifications(v.sid).fetch())).code).toBe(20404);

    const fresh = await svc().verifications.create({ to: CAROL, channel: "sms" });
    expect(fresh.sid).not.toBe(v.sid);
  });
});

describe("fetch and update", () => {
  it("fetches by SID and by To (raw + in the path)", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const bySid = await svc().verifications(v.sid).fetch();
    expect(bySid.sid).toBe(v.sid);
    const byTo = await svc().verifications(ALICE).fetch();
    expect(byTo.sid).toBe(v.sid);
    const encoded = await raw(emu, `/v2/Services/${emu.defaultServiceSid}/Verifications/%2B15017122661`);
    expect(encoded.status).toBe(200);
  });

  it("fetches an e-mail verification by address", async () => {
    const v = await svc().verifications.create({ to: "Alice@Example.com", channel: "email" });
    expect(v.to).toBe("alice@example.com");
    const byTo = await svc().verifications("alice@example.com").fetch();
    expect(byTo.sid).toBe(v.sid);
  });

  it("cancels by SID: stays fetchable as canceled, checks are 20404, the next send is new", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const canceled = await svc().verifications(v.sid).update({ status: "canceled" });
    expect(canceled.status).toBe("canceled");
    expect((await svc().verifications(v.sid).fetch()).status).toBe("canceled");
    const check = await sdkError(svc().verificationChecks.create({ to: ALICE, code: codeFor(ALICE) }));
    expect(check.code).toBe(20404);
    const again = await sdkError(svc().verifications(v.sid).update({ status: "canceled" }));
    expect(again.code).toBe(20404);
    const next = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(next.sid).not.toBe(v.sid);
  });

  it("approves by To, then the verification is gone", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const approved = await svc().verifications(ALICE).update({ status: "approved" });
    expect(approved.sid).toBe(v.sid);
    expect(approved.status).toBe("approved");
    expect(approved.valid).toBe(true);
    expect((await sdkError(svc().verifications(ALICE).fetch())).code).toBe(20404);
  });

  it("refuses statuses other than approved/canceled with 60441, a missing one with 60200", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const illegal = await sdkError(
      svc()
        .verifications(v.sid)
        .update({ status: "pending" as "approved" }),
    );
    expect(illegal.status).toBe(400);
    expect(illegal.code).toBe(60441);
    const missing = await raw(emu, `/v2/Services/${emu.defaultServiceSid}/Verifications/${v.sid}`, {
      form: {},
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: 60200, message: "Invalid parameter: Status" });
  });
});

describe("custom codes and code length", () => {
  it("uses CustomCode on a service with custom_code_enabled, and ignores it elsewhere", async () => {
    const service = await client.verify.v2.services.create({
      friendlyName: "Custom",
      customCodeEnabled: true,
    });
    const custom = client.verify.v2.services(service.sid);
    await custom.verifications.create({ to: ALICE, channel: "sms", customCode: "ABCD42" });
    expect(emu.lastCode(ALICE)).toBe("ABCD42");
    const check = await custom.verificationChecks.create({ to: ALICE, code: "ABCD42" });
    expect(check.status).toBe("approved");

    await svc().verifications.create({ to: CAROL, channel: "sms", customCode: "ABCD42" });
    expect(emu.lastCode(CAROL)).toMatch(/^\d{6}$/);
  });

  it("generates codes of the service's CodeLength", async () => {
    const service = await client.verify.v2.services.create({ friendlyName: "Short", codeLength: 4 });
    await client.verify.v2.services(service.sid).verifications.create({ to: ALICE, channel: "sms" });
    expect(emu.lastCode(ALICE)).toMatch(/^\d{4}$/);
  });

  it("keeps verifications of different services apart", async () => {
    const other = await client.verify.v2.services.create({ friendlyName: "Other" });
    const a = await svc().verifications.create({ to: ALICE, channel: "sms" });
    const b = await client.verify.v2.services(other.sid).verifications.create({ to: ALICE, channel: "sms" });
    expect(b.sid).not.toBe(a.sid);
    const cross = await sdkError(client.verify.v2.services(other.sid).verifications(a.sid).fetch());
    expect(cross.code).toBe(20404);
  });

  it("accepts the documented optional fields of a create", async () => {
    const v = await svc().verifications.create({
      to: ALICE,
      channel: "sms",
      locale: "fr",
      customFriendlyName: "Acme",
      rateLimits: { end_user_ip_address: "127.0.0.1" },
      channelConfiguration: { from: "a@b.c" },
      riskCheck: "disable",
      deviceIp: "127.0.0.1",
      enableSnaClientToken: true,
      tags: JSON.stringify({ flow: "login" }),
      appHash: "abcdefghijk",
    });
    expect(v.status).toBe("pending");
    expect(emu.messages({ to: ALICE })[0]?.body).toContain("Your Acme verification code is:");
  });
});
