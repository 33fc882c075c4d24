// The control API (clock, faults, reset) and its programmatic twins; bad input gets a clear 400.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { ALICE, CAROL, raw, sdkClient, sdkError, start } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;
const svc = () => client.verify.v2.services(emu.defaultServiceSid);

async function control(path: string, json?: unknown, method?: string) {
  return raw(emu, `/control/${path}`, {
    ...(json === undefined ? {} : { json }),
    ...(method === undefined ? {} : { method }),
  });
}

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  expect((await control("reset", {})).status).toBe(200);
});

describe("POST /control/clock", () => {
  it("moves the clock forward; verifications expire by it", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const before = emu.now();
    const res = await control("clock", { advanceMs: 600_000 });
    expect(res.status).toBe(200);
    const body = res.json as { now: string; nowMs: number };
    expect(body.nowMs).toBeGreaterThanOrEqual(before + 600_000);
    expect(body.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(emu.now()).toBeGreaterThanOrEqual(before + 600_000);
    const check = await sdkError(
      svc().verificationChecks.create({ to: ALICE, code: emu.lastCode(ALICE) ?? "" }),
    );
    expect(check.code).toBe(20404);
    expect((await control("clock")).status).toBe(200);
  });

  it.each([
    [{ advanceMs: -1 }, "advanceMs"],
    [{ advanceMs: "10" }, "advanceMs"],
    [{}, "advanceMs"],
    [{ advanceMs: 1, extra: true }, "extra"],
  ])("refuses %j with a 400 that names the problem", async (body, word) => {
    const res = await control("clock", body);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toContain(word);
  });

  it("refuses advanceClock(-1) programmatically", () => {
    expect(() => emu.advanceClock(-1)).toThrow(/non-negative/);
  });
});

describe("POST /control/faults", () => {
  it("fails the next send with a 5xx as 20500, once by default, and the send has no effect", async () => {
    const res = await control("faults", { path: "Verifications", status: 503 });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ fault: { path: "Verifications", status: 503, code: 20500, times: 1 } });
    const error = await sdkError(svc().verifications.create({ to: ALICE, channel: "sms" }));
    expect(error.status).toBe(503);
    expect(error.code).toBe(20500);
    expect(emu.messages()).toHaveLength(0);
    const ok = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(ok.status).toBe("pending");
  });

  it("defaults 429 to 20429 and honours times", async () => {
    await control("faults", { path: "VerificationCheck", status: 429, times: 2 });
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const code = emu.lastCode(ALICE) ?? "";
    for (let i = 0; i < 2; i++) {
      const error = await sdkError(svc().verificationChecks.create({ to: ALICE, code }));
      expect(error.status).toBe(429);
      expect(error.code).toBe(20429);
    }
    expect((await svc().verificationChecks.create({ to: ALICE, code })).status).toBe("approved");
  });

  it.each([
    [60410, 403],
    [60605, 403],
    [60205, 403],
    [60212, 429],
    [60203, 429],
    [60200, 400],
    [60223, 400],
    [20404, 404],
    [20003, 401],
  ])("gives code %i its Twilio status %i", async (code, status) => {
    emu.addFault({ path: "Verifications", code });
    const error = await sdkError(svc().verifications.create({ to: ALICE, channel: "sms" }));
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
  });

  it("takes a code with an explicit status and message", async () => {
    emu.addFault({ path: "VerificationCheck", status: 500, code: 20503, message: "Down for a bit" });
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const error = await sdkError(svc().verificationChecks.create({ to: ALICE, code: "123456" }));
    expect(error).toMatchObject({ status: 500, code: 20503, message: "Down for a bit" });
  });

  it("delays the real answer with only delayMs (how a client timeout is simulated)", async () => {
    await control("faults", { path: "VerificationCheck", delayMs: 300 });
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const started = Date.now();
    const check = await svc().verificationChecks.create({ to: ALICE, code: emu.lastCode(ALICE) ?? "" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(check.status).toBe("approved");

    await control("faults", { path: "Verifications", delayMs: 400 });
    const impatient = sdkClient(emu, { timeoutMs: 100 });
    await expect(
      impatient.verify.v2.services(emu.defaultServiceSid).verifications.create({ to: CAROL, channel: "sms" }),
    ).rejects.toThrow(/timeout/i);
    // as at Twilio, a request the client gave up on still takes effect
    await new Promise((r) => setTimeout(r, 500));
    expect(emu.messages({ to: CAROL })).toHaveLength(1);
  });

  it("answers an error after delayMs when both are given", async () => {
    emu.addFault({ path: "Verifications", status: 502, delayMs: 200 });
    const started = Date.now();
    const error = await sdkError(svc().verifications.create({ to: ALICE, channel: "sms" }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(error).toMatchObject({ status: 502, code: 20500 });
  });

  it("matches only the destination a fault names", async () => {
    await control("faults", { path: "Verifications", code: 60410, to: CAROL });
    expect((await svc().verifications.create({ to: ALICE, channel: "sms" })).status).toBe("pending");
    expect((await sdkError(svc().verifications.create({ to: CAROL, channel: "sms" }))).code).toBe(60410);
  });

  it("faults cancels and fetches with VerificationUpdate and VerificationFetch", async () => {
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    emu.addFault({ path: "VerificationUpdate", status: 503 });
    emu.addFault({ path: "VerificationFetch", status: 500 });
    expect((await sdkError(svc().verifications(v.sid).update({ status: "canceled" }))).status).toBe(503);
    expect((await sdkError(svc().verifications(v.sid).fetch())).status).toBe(500);
    expect((await svc().verifications(v.sid).fetch()).status).toBe("pending");
  });

  it("lists and clears faults", async () => {
    await control("faults", { path: "Verifications", status: 503, times: 3 });
    const listed = await control("faults");
    expect(listed.json).toEqual({
      faults: [
        {
          path: "Verifications",
          status: 503,
          code: 20500,
          message: "Internal Server Error",
          delayMs: 0,
          times: 3,
        },
      ],
    });
    const cleared = await control("faults", undefined, "DELETE");
    expect(cleared.json).toEqual({ faults: [] });
    expect((await svc().verifications.create({ to: ALICE, channel: "sms" })).status).toBe("pending");
  });

  it.each([
    [{ path: "Nope", status: 500 }, "path"],
    [{ path: "Verifications" }, "status"],
    [{ path: "Verifications", status: 200 }, "status"],
    [{ path: "Verifications", status: 418 }, "code"],
    [{ path: "Verifications", code: 12345 }, "status"],
    [{ path: "Verifications", status: 500, times: 0 }, "times"],
    [{ path: "Verifications", delayMs: -5 }, "delayMs"],
    [{ path: "Verifications", status: 500, bogus: 1 }, "bogus"],
    [[1, 2], "object"],
  ])("refuses the fault %j with a 400 naming %s", async (body, word) => {
    const res = await control("faults", body);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toContain(word);
  });

  it("refuses a bad fault from addFault with ERR_SF_INVALID_OPTION", () => {
    expect(() => emu.addFault({ path: "Verifications" })).toThrow(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });
});

describe("POST /control/reset", () => {
  it("drops verifications, messages, faults and send windows; keeps services and the clock", async () => {
    const service = await client.verify.v2.services.create({ friendlyName: "Kept" });
    for (let i = 0; i < 5; i++) await svc().verifications.create({ to: ALICE, channel: "sms" });
    const v = await svc().verifications.create({ to: CAROL, channel: "sms" });
    emu.advanceClock(1000);
    const clock = emu.now();
    await control("faults", { path: "VerificationCheck", status: 500 });

    const res = await raw(emu, "/control/reset", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(emu.messages()).toEqual([]);
    expect((await sdkError(svc().verifications(v.sid).fetch())).code).toBe(20404);
    expect(((await control("faults")).json as { faults: unknown[] }).faults).toEqual([]);
    expect((await svc().verifications.create({ to: ALICE, channel: "sms" })).status).toBe("pending");
    expect((await client.verify.v2.services(service.sid).fetch()).friendlyName).toBe("Kept");
    expect(emu.now()).toBeGreaterThanOrEqual(clock);
  });
});

describe("bad control requests", () => {
  it("refuses non-JSON bodies, wrong content types, wrong methods and unknown endpoints", async () => {
    const junk = await raw(emu, "/control/clock", {
      body: "{nope",
      headers: { "Content-Type": "application/json" },
    });
    expect(junk.status).toBe(400);
    expect((junk.json as { error: string }).error).toMatch(/JSON/);
    const text = await raw(emu, "/control/clock", {
      body: "advanceMs=5",
      headers: { "Content-Type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect((text.json as { error: string }).error).toMatch(/application\/json/);
    const method = await raw(emu, "/control/reset");
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("POST");
    const unknown = await control("nope", {});
    expect(unknown.status).toBe(404);
  });
});
