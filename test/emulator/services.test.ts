// Services: the default one, create, fetch, list (Twilio's paginated shape), update, delete.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { expectService, expectServiceList, expectTwilioError } from "../helpers/openapi.js";
import { ALICE, raw, sdkClient, sdkError, start } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});

describe("services", () => {
  it("has a default service at start, with a WhatsApp sender configured", async () => {
    expect(emu.defaultServiceSid).toMatch(/^VA[0-9a-f]{32}$/);
    const res = await raw(emu, `/v2/Services/${emu.defaultServiceSid}`);
    const service = expectService(res.json);
    expect(service.friendly_name).toBe("Verify Emulator");
    expect(service.code_length).toBe(6);
    expect(service.whatsapp).toMatchObject({ from: expect.stringMatching(/^whatsapp:\+/) });
    expect(service.url).toBe(`https://verify.twilio.com/v2/Services/${emu.defaultServiceSid}`);
    const sdk = await client.verify.v2.services(emu.defaultServiceSid).fetch();
    expect(sdk.friendlyName).toBe("Verify Emulator");
  });

  it("creates a service with the documented fields, and FriendlyName is required", async () => {
    const created = await client.verify.v2.services.create({
      friendlyName: "My App",
      codeLength: 8,
      customCodeEnabled: true,
      doNotShareWarningEnabled: true,
      lookupEnabled: false,
      psd2Enabled: false,
      skipSmsToLandlines: false,
      dtmfInputRequired: true,
      ttsName: "voice",
      "totp.issuer": "My App",
      "totp.timeStep": 30,
      "totp.codeLength": 6,
      "totp.skew": 1,
    });
    expect(created.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(created.codeLength).toBe(8);
    expect(created.customCodeEnabled).toBe(true);
    expect(created.dtmfInputRequired).toBe(true);

    const fetched = await client.verify.v2.services(created.sid).fetch();
    expect(fetched.friendlyName).toBe("My App");

    const missing = await raw(emu, "/v2/Services", { form: { CodeLength: "6" } });
    expect(missing.status).toBe(400);
    expect(expectTwilioError(missing.json, 60200).message).toBe("Invalid parameter: FriendlyName");
    for (const [field, value] of [
      ["FriendlyName", "x".repeat(31)],
      ["CodeLength", "3"],
      ["CodeLength", "eleven"],
      ["CustomCodeEnabled", "yes"],
    ] as const) {
      const bad = await raw(emu, "/v2/Services", { form: { FriendlyName: "Ok", [field]: value } });
      expect(expectTwilioError(bad.json, 60200).message).toBe(`Invalid parameter: ${field}`);
    }
  });

  it("puts the service name, and the do-not-share warning, in SMS bodies", async () => {
    const created = await client.verify.v2.services.create({
      friendlyName: "Warned",
      doNotShareWarningEnabled: true,
    });
    await client.verify.v2.services(created.sid).verifications.create({ to: ALICE, channel: "sms" });
    const [message] = emu.messages({ to: ALICE }).slice(-1);
    expect(message?.body).toMatch(/^Your Warned verification code is: \d{6}\. Don’t share this code/);
  });

  it("lists services as { services, meta }, paginated like Twilio", async () => {
    const all = await raw(emu, "/v2/Services");
    const page = expectServiceList(all.json);
    expect(page.meta.key).toBe("services");
    expect(page.meta.page).toBe(0);
    expect(page.meta.page_size).toBe(50);
    expect(page.services.map((s) => s.sid)).toContain(emu.defaultServiceSid);
    expect(page.services[0]?.sid).toBe(emu.defaultServiceSid);

    const first = expectServiceList((await raw(emu, "/v2/Services?PageSize=1")).json);
    expect(first.services).toHaveLength(1);
    expect(first.meta.next_page_url).toBe("https://verify.twilio.com/v2/Services?PageSize=1&Page=1");
    expect(first.meta.previous_page_url).toBeNull();
    const second = expectServiceList((await raw(emu, "/v2/Services?PageSize=1&Page=1")).json);
    expect(second.meta.previous_page_url).toBe("https://verify.twilio.com/v2/Services?PageSize=1&Page=0");

    // the SDK follows next_page_url through every page
    const listed = await client.verify.v2.services.list({ pageSize: 1 });
    expect(listed.map((s) => s.sid)).toEqual(page.services.map((s) => s.sid));

    const bad = await raw(emu, "/v2/Services?PageSize=0");
    expect(bad.status).toBe(400);
  });

  it("updates and deletes a service", async () => {
    const created = await client.verify.v2.services.create({ friendlyName: "Temp" });
    const updated = await client.verify.v2
      .services(created.sid)
      .update({ friendlyName: "Renamed", codeLength: 5 });
    expect(updated.friendlyName).toBe("Renamed");
    expect(updated.codeLength).toBe(5);
    expect(await client.verify.v2.services(created.sid).remove()).toBe(true);
    const gone = await sdkError(client.verify.v2.services(created.sid).fetch());
    expect(gone.code).toBe(20404);
  });
});
