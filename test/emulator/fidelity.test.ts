// Issue 17, fidelity: three differences from Twilio that a third-party app met, each as Twilio has it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { ACCOUNT_SID, ALICE, raw, sdkClient, sdkError, start } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;
const svc = () => client.verify.v2.services(emu.defaultServiceSid);

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe("60200 words a bad To as Twilio does", () => {
  it("reads Invalid parameter `To`: <value> on a send and on a check by To", async () => {
    const send = await sdkError(svc().verifications.create({ to: "+15550100", channel: "sms" }));
    expect(send).toMatchObject({ status: 400, code: 60200, message: "Invalid parameter `To`: +15550100" });
    const check = await sdkError(svc().verificationChecks.create({ to: "not a number", code: "123456" }));
    expect(check).toMatchObject({ code: 60200, message: "Invalid parameter `To`: not a number" });
  });

  it("keeps Invalid parameter: <Name> for the other parameters (Channel, as observed of Twilio)", async () => {
    const error = await sdkError(svc().verifications.create({ to: ALICE, channel: "voice" }));
    expect(error).toMatchObject({ code: 60200, message: "Invalid parameter: Channel" });
  });
});

describe("a verification that reached max check attempts stays dead", () => {
  it("answers 20404, not 60202, to a check by To after a newer one to the same To was approved", async () => {
    const dead = await svc().verifications.create({ to: ALICE, channel: "sms" });
    for (let i = 0; i < 5; i++) await svc().verificationChecks.create({ to: ALICE, code: "000000" });
    expect((await sdkError(svc().verificationChecks.create({ to: ALICE, code: "000000" }))).code).toBe(60202);
    const fresh = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(fresh.sid).not.toBe(dead.sid);
    const approved = await svc().verificationChecks.create({ to: ALICE, code: emu.lastCode(ALICE) ?? "" });
    expect(approved.status).toBe("approved");
    const after = await sdkError(svc().verificationChecks.create({ to: ALICE, code: "000000" }));
    expect(after.code).toBe(20404);
    // by SID the dead one still says why it is dead
    const bySid = await sdkError(
      svc().verificationChecks.create({ verificationSid: dead.sid, code: "000000" }),
    );
    expect(bySid.code).toBe(60202);
  });

  it("answers 20404 after a newer one to the same To was canceled", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    for (let i = 0; i < 5; i++) await svc().verificationChecks.create({ to: ALICE, code: "000000" });
    const fresh = await svc().verifications.create({ to: ALICE, channel: "sms" });
    await svc().verifications(fresh.sid).update({ status: "canceled" });
    expect((await sdkError(svc().verificationChecks.create({ to: ALICE, code: "000000" }))).code).toBe(20404);
  });
});

describe("account_sid is the caller's account", () => {
  it("echoes the Basic-auth user when it is a well-formed AC SID and no credentials are configured", async () => {
    const sent = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(sent.accountSid).toBe(ACCOUNT_SID);
    const service = await svc().fetch();
    expect(service.accountSid).toBe(ACCOUNT_SID);
    const checked = await svc().verificationChecks.create({ to: ALICE, code: emu.lastCode(ALICE) ?? "" });
    expect(checked.accountSid).toBe(ACCOUNT_SID);
    const other = `AC${"b2".repeat(16)}`;
    const list = await raw(emu, "/v2/Services", {
      headers: { Authorization: `Basic ${Buffer.from(`${other}:token`).toString("base64")}` },
    });
    expect((list.json as { services: { account_sid: string }[] }).services[0]?.account_sid).toBe(other);
  });

  it("falls back to the emulator's account for a user that is not an AC SID (an API key)", async () => {
    const res = await raw(emu, "/v2/Services", {
      headers: { Authorization: `Basic ${Buffer.from(`SK${"c3".repeat(16)}:secret`).toString("base64")}` },
    });
    expect((res.json as { services: { account_sid: string }[] }).services[0]?.account_sid).toBe(
      emu.accountSid,
    );
  });
});
