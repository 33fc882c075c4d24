// Issue 17: the Twilio provider checks its Verify service once at start-up and warns (never throws,
// never blocks) when the code length or a channel does not fit the app; off by default under tests.
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { VerificationProvider } from "../../src/index.js";
import { twilioVerify } from "../../src/twilio.js";
import { emulatorHttpClient, startEmulator, type VerifyEmulator } from "../../testing/index.js";

const ACCOUNT_SID = `AC${"d4".repeat(16)}`;
let emu: VerifyEmulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

function provider(serviceSid: string, extra: { checkService?: boolean; emulatorUrl?: string } = {}) {
  return twilioVerify({
    accountSid: ACCOUNT_SID,
    authToken: "auth-token",
    serviceSid,
    emulatorUrl: emu.url,
    timeoutMs: 500,
    checkService: true,
    ...extra,
  });
}

async function warningsOf(
  p: ReturnType<typeof provider>,
  app: { channels: ("sms" | "call" | "whatsapp" | "email")[]; codeLength: { min: number; max: number } },
): Promise<string[]> {
  const warn = vi.fn<(message: string) => void>();
  await p.configure?.({ ...app, logger: { warn } });
  return warn.mock.calls.map(([message]) => message);
}

async function createService(params: { codeLength?: number }): Promise<string> {
  const client = twilio(ACCOUNT_SID, "auth-token", { httpClient: emulatorHttpClient(emu.url) });
  const created = await client.verify.v2.services.create({ friendlyName: "Check", ...params });
  return created.sid;
}

describe("the Twilio provider's start-up check", () => {
  it("says nothing when the service fits (the default service: 6 digits, a WhatsApp sender)", async () => {
    const warnings = await warningsOf(provider(emu.defaultServiceSid), {
      channels: ["sms", "call", "whatsapp"],
      codeLength: { min: 6, max: 6 },
    });
    expect(warnings).toEqual([]);
  });

  it("warns when the service's code length is outside codeLength", async () => {
    const sid = await createService({ codeLength: 8 });
    const warnings = await warningsOf(provider(sid), { channels: ["sms"], codeLength: { min: 6, max: 6 } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`${sid} sends 8-digit codes, but codeLength accepts 6 digits`));
    expect(warnings[0]).toContain("Set codeLength to 8");
  });

  it("warns when the app offers WhatsApp and the service has no sender", async () => {
    const sid = await createService({});
    const warnings = await warningsOf(provider(sid), {
      channels: ["sms", "whatsapp"],
      codeLength: { min: 4, max: 10 },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/offers "whatsapp", but Verify service VA\w+ has no WhatsApp sender/);
  });

  it("warns, never throws, when the service cannot be fetched (unknown service, outage, timeout)", async () => {
    const unknown = await warningsOf(provider(`VA${"0".repeat(32)}`), {
      channels: ["sms"],
      codeLength: { min: 6, max: 6 },
    });
    expect(unknown).toEqual([
      expect.stringMatching(
        /could not fetch Verify service VA0+ .*HTTP 404, Twilio error 20404.*Starting anyway/,
      ),
    ]);
    const down = await warningsOf(provider(emu.defaultServiceSid, { emulatorUrl: "http://127.0.0.1:1" }), {
      channels: ["sms"],
      codeLength: { min: 6, max: 6 },
    });
    expect(down).toEqual([expect.stringMatching(/could not fetch Verify service/)]);
    expect(down[0]).not.toContain("auth-token");
  });

  it("is off by default when NODE_ENV is test, on otherwise", async () => {
    const sid = await createService({ codeLength: 8 });
    const app = { channels: ["sms" as const], codeLength: { min: 6, max: 6 } };
    const base = { accountSid: ACCOUNT_SID, authToken: "auth-token", serviceSid: sid, emulatorUrl: emu.url };
    expect(process.env.NODE_ENV).toBe("test");
    expect(await warningsOf(twilioVerify(base), app)).toEqual([]);
    vi.stubEnv("NODE_ENV", "development");
    try {
      expect(await warningsOf(twilioVerify(base), app)).toHaveLength(1);
      expect(await warningsOf(twilioVerify({ ...base, checkService: false }), app)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses a checkService that is not a boolean", () => {
    expect(() => provider(emu.defaultServiceSid, { checkService: "yes" as unknown as boolean })).toThrow(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });
});

describe("the core's configure hook", () => {
  it("hands the provider the app's channels, codeLength and logger once, without waiting for it", async () => {
    const { harness } = await import("../helpers/core.js");
    const seen: unknown[] = [];
    let release: () => void = () => {};
    const { provider: stub, logs } = harness({ channels: ["sms", "whatsapp"], codeLength: 6 });
    const provider: VerificationProvider = stub;
    const configured = new Promise<void>((resolve) => {
      provider.configure = (app) => {
        seen.push({ channels: app.channels, codeLength: app.codeLength });
        app.logger.warn("from the provider");
        resolve();
        return new Promise<void>((done) => {
          release = done;
        });
      };
    });
    // The core calls the hook on a later tick, so setting it right after creation is in time.
    await configured;
    release();
    expect(seen).toEqual([{ channels: ["sms", "whatsapp"], codeLength: { min: 6, max: 6 } }]);
    expect(logs).toEqual([{ level: "warn", message: "from the provider", details: undefined }]);
  });
});
