// Behaviour suite, rule 7 under concurrency: the lock is decided with the count, so parallel code checks never reach the provider beyond the threshold, on Express 5 and 4 and Koa 3 and 2 (the real twilio SDK and the Verify emulator, behind a provider with Twilio-like latency).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerificationProvider } from "../../src/providers/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, emulatorProvider, type FlowApp, startFlowApp, wrongCode } from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";
const LATENCY_MS = 200;

let emu: VerifyEmulator;
const running: FlowApp[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

/** The emulator provider, with `latencyMs` before each check once set, counting the checks. */
function slowChecks(
  inner: VerificationProvider,
): VerificationProvider & { checks: number; latencyMs: number } {
  const provider = {
    name: "slow-emulator",
    checks: 0,
    latencyMs: 0,
    start: (request: Parameters<VerificationProvider["start"]>[0]) => inner.start(request),
    check: async (request: { sid: string; code: string }) => {
      provider.checks += 1;
      await new Promise((resolve) => setTimeout(resolve, provider.latencyMs));
      return inner.check(request);
    },
    cancel: (request: { sid: string }) => inner.cancel(request),
  };
  return provider;
}

describe.each(FRAMEWORKS)("%s: concurrent code checks against the lockout", (framework) => {
  it("at one wrong code from the lock, exactly one of 12 parallel checks reaches the provider", async () => {
    const provider = slowChecks(emulatorProvider(emu));
    const app = await startFlowApp(framework, emu, {
      options: { provider, limits: { lockout: { threshold: 3 } } },
    });
    running.push(app);
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    const code = emu.lastCode(ALICE) ?? "";
    for (let guess = 1; guess <= 2; guess += 1) {
      expect((await browser.post("/2fa/verify", { code: wrongCode(code, guess), _csrf: token })).status).toBe(
        303,
      );
    }
    provider.checks = 0;
    provider.latencyMs = LATENCY_MS;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, guess) =>
        browser.post("/2fa/verify", { code: wrongCode(code, guess + 3), _csrf: token }),
      ),
    );
    expect(provider.checks).toBe(1);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
    expect(statuses.filter((status) => status === 303)).toHaveLength(1);
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    }
    // The one check that went through was wrong: the account is locked, once.
    expect(app.events.filter((event) => event.type === "locked")).toHaveLength(1);
    expect((await browser.get("/account")).status).not.toBe(200);
  });
});
