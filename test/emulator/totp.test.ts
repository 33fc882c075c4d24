// Verify TOTP in the emulator: Entities, Factors, Challenges, schema-exact against the spec (every
// answer goes through the OpenAPI validator), binding shown once, Twilio's limits (60308, 60310, 60312,
// 60323), RFC 6238 with the factor's algorithm, and the virtual authenticator of the control API.
import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { expectTwilioError } from "../helpers/openapi.js";
import { raw, sdkClient, sdkError, start, validated } from "./helpers.js";

const IDENTITY = "ff483d1ff591898a9942916050d2ca3f";
let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;

function entity(identity = IDENTITY) {
  return client.verify.v2.services(emu.defaultServiceSid).entities(identity);
}

async function verifiedFactor(extra: Record<string, unknown> = {}) {
  const created = await entity().newFactors.create({
    friendlyName: "Authenticator app",
    factorType: "totp",
    ...extra,
  });
  await entity()
    .factors(created.sid)
    .update({ authPayload: emu.totpCode(created.sid) ?? "" });
  return created;
}

function wrong(code: string): string {
  return code.replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
}

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterEach(() => emu.reset());
afterAll(async () => {
  await emu.close();
});

describe("Verify TOTP resources", () => {
  it("creates a factor (and its entity implicitly) with its binding once, then never again", async () => {
    const before = validated.count;
    const factor = await entity().newFactors.create({
      friendlyName: "Authenticator app",
      factorType: "totp",
    });
    expect(factor.sid).toMatch(/^YF[0-9a-f]{32}$/);
    expect(factor.entitySid).toMatch(/^YE[0-9a-f]{32}$/);
    expect(factor.status).toBe("unverified");
    expect(factor.config).toEqual({ alg: "sha1", skew: 1, code_length: 6, time_step: 30 });
    const binding = factor.binding as { secret: string; uri: string };
    expect(binding.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(binding.uri).toBe(
      `otpauth://totp/Verify%20Emulator:Authenticator%20app?secret=${binding.secret}&issuer=Verify%20Emulator&algorithm=SHA1&digits=6&period=30`,
    );
    const fetched = await raw(
      emu,
      `/v2/Services/${emu.defaultServiceSid}/Entities/${IDENTITY}/Factors/${factor.sid}`,
    );
    expect(fetched.status).toBe(200);
    expect(fetched.text).not.toContain(binding.secret);
    expect(fetched.json).not.toHaveProperty("binding");
    const listed = await entity().factors.list();
    expect(listed.map((f) => f.sid)).toEqual([factor.sid]);
    const fetchedEntity = await entity().fetch();
    expect(fetchedEntity.sid).toBe(factor.entitySid);
    expect(validated.count).toBeGreaterThan(before + 3);
  });

  it("verifies a factor on the right code only; five wrong codes give 60310", async () => {
    const factor = await entity().newFactors.create({ friendlyName: "App", factorType: "totp" });
    const code = emu.totpCode(factor.sid) ?? "";
    for (let i = 0; i < 5; i++) {
      const answer = await entity()
        .factors(factor.sid)
        .update({ authPayload: wrong(code) });
      expect(answer.status).toBe("unverified");
    }
    const error = await sdkError(entity().factors(factor.sid).update({ authPayload: code }));
    expect(error).toMatchObject({ status: 429, code: 60310 });
    const other = await entity().newFactors.create({ friendlyName: "App", factorType: "totp" });
    const verified = await entity()
      .factors(other.sid)
      .update({ authPayload: emu.totpCode(other.sid) ?? "" });
    expect(verified.status).toBe("verified");
  });

  it("approves a challenge with the current code, ±1 step, refuses ±2; pending on a wrong code", async () => {
    const factor = await verifiedFactor();
    const challenge = (authPayload: string) =>
      entity().challenges.create({ factorSid: factor.sid, authPayload });
    expect((await challenge(emu.totpCode(factor.sid) ?? "")).status).toBe("approved");
    for (const offset of [-1, 1])
      expect((await challenge(emu.totpCode(factor.sid, offset) ?? "")).status).toBe("approved");
    const near = [-1, 0, 1].map((offset) => emu.totpCode(factor.sid, offset));
    for (const offset of [-2, 2]) {
      const code = emu.totpCode(factor.sid, offset) ?? "";
      if (!near.includes(code)) expect((await challenge(code)).status).toBe("pending");
    }
    const pending = await challenge(wrong(emu.totpCode(factor.sid) ?? ""));
    expect(pending.status).toBe("pending");
    expect(pending.factorType).toBe("totp");
    const fetched = await entity().challenges(pending.sid).fetch();
    expect(fetched.status).toBe("pending");
  });

  it("counts five attempts per challenge (60308) and expires it after 5 minutes (60323)", async () => {
    const factor = await verifiedFactor();
    const code = emu.totpCode(factor.sid) ?? "";
    const pending = await entity().challenges.create({ factorSid: factor.sid, authPayload: wrong(code) });
    const path = `/v2/Services/${emu.defaultServiceSid}/Entities/${IDENTITY}/Challenges/${pending.sid}`;
    for (let i = 0; i < 4; i++) {
      const answer = await raw(emu, path, { form: { AuthPayload: wrong(code) } });
      expect(answer.status).toBe(200);
    }
    expectTwilioError((await raw(emu, path, { form: { AuthPayload: code } })).json, 60308);
    const fresh = await entity().challenges.create({ factorSid: factor.sid, authPayload: wrong(code) });
    emu.advanceClock(5 * 60 * 1000);
    const freshPath = path.replace(pending.sid, fresh.sid);
    const expired = await raw(emu, freshPath, { form: { AuthPayload: emu.totpCode(factor.sid) ?? "" } });
    expect(expired.status).toBe(403);
    expectTwilioError(expired.json, 60323);
    expect((await entity().challenges(fresh.sid).fetch()).status).toBe("expired");
  });

  it("allows 50 challenges per factor per hour (60312)", async () => {
    const factor = await verifiedFactor();
    const path = `/v2/Services/${emu.defaultServiceSid}/Entities/${IDENTITY}/Challenges`;
    for (let i = 0; i < 50; i++) {
      expect((await raw(emu, path, { form: { FactorSid: factor.sid } })).status).toBe(201);
    }
    const refused = await raw(emu, path, { form: { FactorSid: factor.sid } });
    expect(refused.status).toBe(429);
    expectTwilioError(refused.json, 60312);
    emu.advanceClock(60 * 60 * 1000);
    expect((await raw(emu, path, { form: { FactorSid: factor.sid } })).status).toBe(201);
  });

  it("computes RFC 6238 with the factor's algorithm, digits and step (Binding.Secret given)", async () => {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890", RFC 6238's SHA-1 key
    const factor = await entity().newFactors.create({
      friendlyName: "App",
      factorType: "totp",
      "binding.secret": secret,
      "config.alg": "sha256",
      "config.codeLength": 8,
      "config.timeStep": 60,
    });
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(emu.now() / 60_000)));
    const mac = createHmac("sha256", Buffer.from("12345678901234567890")).update(counter).digest();
    const at = (mac.at(-1) ?? 0) & 15;
    const expected = String((mac.readUInt32BE(at) & 0x7fffffff) % 1e8).padStart(8, "0");
    expect(emu.totpCode(factor.sid)).toBe(expected);
    const control = await fetch(`${emu.url}/control/totp/${factor.sid}`);
    expect(control.status).toBe(200);
    expect(await control.json()).toMatchObject({ code: expected, factorSid: factor.sid });
  });

  it("refuses bad parameters with 60200 and unknown things with 20404, schema-exact", async () => {
    const base = `/v2/Services/${emu.defaultServiceSid}/Entities`;
    const forms: Record<string, string>[] = [
      { FriendlyName: "App", FactorType: "push" },
      { FactorType: "totp" },
      { FriendlyName: "App", FactorType: "totp", "Config.Skew": "3" },
      { FriendlyName: "App", FactorType: "totp", "Config.TimeStep": "10" },
      { FriendlyName: "App", FactorType: "totp", "Config.Alg": "md5" },
      { FriendlyName: "App", FactorType: "totp", "Binding.Secret": "not base32!" },
    ];
    for (const form of forms) {
      expectTwilioError((await raw(emu, `${base}/${IDENTITY}/Factors`, { form })).json, 60200);
    }
    expectTwilioError(
      (await raw(emu, `${base}/short/Factors`, { form: { FriendlyName: "A", FactorType: "totp" } })).json,
      60200,
    );
    expectTwilioError((await raw(emu, `${base}/${IDENTITY}`)).json, 20404);
    const factor = await verifiedFactor();
    expectTwilioError(
      (
        await raw(emu, `${base}/${IDENTITY}/Challenges`, {
          form: { FactorSid: factor.sid, AuthPayload: "12" },
        })
      ).json,
      60200,
    );
    expectTwilioError(
      (await raw(emu, `${base}/${IDENTITY}/Challenges`, { form: { FactorSid: `YF${"0".repeat(32)}` } })).json,
      20404,
    );
    expect((await fetch(`${emu.url}/control/totp/YF${"0".repeat(32)}`)).status).toBe(404);
    // Not a factor SID: one 404 answer, and the emulator keeps serving.
    const malformed = await fetch(`${emu.url}/control/totp/not-a-sid`);
    expect(malformed.status).toBe(404);
    expect(await malformed.json()).toMatchObject({ error: expect.stringContaining("use a YF... SID") });
    expect((await fetch(`${emu.url}/control/totp/${factor.sid}`)).status).toBe(200);
    expect((await fetch(`${emu.url}/control/totp/${factor.sid}`, { method: "POST" })).status).toBe(405);
  });

  it("lists and deletes entities and factors; reset drops them", async () => {
    const created = await client.verify.v2
      .services(emu.defaultServiceSid)
      .entities.create({ identity: IDENTITY });
    expect(created.sid).toMatch(/^YE/);
    const listed = await client.verify.v2.services(emu.defaultServiceSid).entities.list();
    expect(listed.map((e) => e.identity)).toEqual([IDENTITY]);
    const factor = await verifiedFactor();
    expect(await entity().factors(factor.sid).remove()).toBe(true);
    expect((await sdkError(entity().factors(factor.sid).fetch())).code).toBe(20404);
    await verifiedFactor();
    expect(await entity().remove()).toBe(true);
    expect((await sdkError(entity().fetch())).code).toBe(20404);
    await verifiedFactor();
    emu.reset();
    expect((await sdkError(entity().fetch())).code).toBe(20404);
  });
});
