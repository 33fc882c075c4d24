// Issue 11.5–11.6: no web page can drive the control API (a JSON Content-Type needs a CORS preflight)
// or read anything through DNS rebinding (every route checks Host), and the clock stays a valid date.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { ALICE, BASIC, raw, sdkClient, start } from "./helpers.js";

let emu: VerifyEmulator;

beforeAll(async () => {
  emu = await start();
});
afterAll(async () => {
  await emu.close();
});

/** A request with a Host header of our choosing (fetch would send the real one). */
function withHost(
  path: string,
  host: string | undefined,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? "GET",
        headers: { ...options.headers, ...(host === undefined ? {} : { Host: host }) },
        setHost: host !== undefined,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: text === "" ? undefined : JSON.parse(text) }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the control API takes only JSON", () => {
  it("refuses a bodiless POST /control/reset without Content-Type: application/json (415), and keeps the state", async () => {
    await sdkClient(emu)
      .verify.v2.services(emu.defaultServiceSid)
      .verifications.create({ to: ALICE, channel: "sms" });
    const res = await raw(emu, "/control/reset", { method: "POST" });
    expect(res.status).toBe(415);
    expect((res.json as { error: string }).error).toContain("application/json");
    expect(emu.messages({ to: ALICE })).toHaveLength(1);
    expect(
      (await raw(emu, "/control/reset", { method: "POST", headers: { "Content-Type": "application/json" } }))
        .status,
    ).toBe(200);
    expect(emu.messages()).toHaveLength(0);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
    "refuses a simple-request Content-Type %s on every control POST",
    async (type) => {
      for (const path of ["/control/reset", "/control/clock", "/control/faults"]) {
        const res = await raw(emu, path, { method: "POST", body: "{}", headers: { "Content-Type": type } });
        expect(res.status).toBe(415);
      }
    },
  );
});

describe("every route answers only requests addressed to the emulator", () => {
  const port = () => new URL(emu.url).port;

  it.each(["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])("answers Host %s:PORT", async (name) => {
    expect((await withHost("/inbox.json", `${name}:${port()}`)).status).toBe(200);
  });

  it.each([
    ["/inbox.json", "GET"],
    ["/inbox", "GET"],
    ["/health", "GET"],
    ["/control/clock", "GET"],
  ])("refuses %s from a rebinding name with 403 and a clear message", async (path, method) => {
    const res = await withHost(path, `attacker.example:${port()}`, { method });
    expect(res.status).toBe(403);
    expect((res.json as { error: string }).error).toMatch(
      /answers only requests addressed to it.*127\.0\.0\.1:\d+/,
    );
  });

  it("refuses a control POST from a rebinding name before it acts", async () => {
    await emu.advanceClock(0);
    const before = emu.now();
    const res = await withHost("/control/clock", `attacker.example:${port()}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ advanceMs: 3_600_000 }),
    });
    expect(res.status).toBe(403);
    expect(emu.now() - before).toBeLessThan(3_600_000);
  });

  it("refuses the Verify API with a Twilio-shaped 20403, and a wrong port or a missing Host too", async () => {
    const api = await withHost("/v2/Services", `attacker.example:${port()}`, {
      headers: { Authorization: BASIC },
    });
    expect(api.status).toBe(403);
    expect(api.json).toMatchObject({
      code: 20403,
      status: 403,
      more_info: "https://www.twilio.com/docs/errors/20403",
    });
    expect((await withHost("/inbox.json", "127.0.0.1:1")).status).toBe(403);
    // Node itself refuses an HTTP/1.1 request without Host as malformed (20400).
    expect((await withHost("/inbox.json", undefined)).status).toBe(400);
  });
});

describe("the clock stays a valid date", () => {
  it.each([1e308, 8.64e15, Number.MAX_SAFE_INTEGER])(
    "refuses POST /control/clock {advanceMs: %d} with a 400, and every date still formats",
    async (advanceMs) => {
      const before = emu.now();
      const res = await raw(emu, "/control/clock", { json: { advanceMs } });
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toMatch(/advanceMs .*last valid date/);
      expect(emu.now() - before).toBeLessThan(60_000);
      expect((await raw(emu, "/control/reset", { json: {} })).status).toBe(200);
      const sent = await raw(emu, `/v2/Services/${emu.defaultServiceSid}/Verifications`, {
        form: { To: ALICE, Channel: "sms" },
      });
      expect(sent.status).toBe(201);
    },
  );

  it("refuses advanceClock(1e308) and advanceClock(Infinity) with ERR_SF_INVALID_OPTION", () => {
    const before = emu.now();
    for (const ms of [1e308, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => emu.advanceClock(ms)).toThrow(expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }));
    }
    expect(emu.now() - before).toBeLessThan(60_000);
    expect(new Date(emu.now()).toISOString()).toMatch(/Z$/);
  });
});
