// Behaviour suite, failing closed and failing early: session-store and provider outages, misuse,
// client-side sessions and a missing session middleware, on Express 5 and 4 and Koa 3 and 2, through
// supertest, the real twilio SDK and the Verify emulator.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { secondFactor as expressSecondFactor } from "../../adapters/express/index.js";
import { secondFactor as koaSecondFactor } from "../../adapters/koa/index.js";
import { isSecondFactorError } from "../../src/errors.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, emulatorProvider, type FlowApp, startFlowApp } from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";

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

const STACK_LINE = /\bat .+\.(?:js|ts|cjs|mjs):\d+/;

function codesOf(errors: readonly unknown[]): string[] {
  return errors.map((error) => (isSecondFactorError(error) ? error.code : String(error)));
}

describe.each(FRAMEWORKS)("%s: failing closed", (framework) => {
  async function start(settings: Parameters<typeof startFlowApp>[2] = {}): Promise<FlowApp> {
    const app = await startFlowApp(framework, emu, settings);
    running.push(app);
    return app;
  }

  async function sendAndRead(browser: Browser, token: string): Promise<string> {
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    const code = emu.lastCode(ALICE);
    if (code === undefined) throw new Error("no code delivered");
    return code;
  }

  it("answers 503 with Retry-After while the session store fails, and never passes", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();
    const code = await sendAndRead(browser, token);
    expect((await browser.post("/2fa/verify", { code, _csrf: token })).status).toBe(303);
    await browser.get("/account").expect(200);

    app.store.failing = "all";
    const answers = [
      await browser.get("/account"),
      await browser.post("/transfer"),
      await browser.json("get", "/api/me"),
      await browser.get("/2fa"),
      await browser.post("/2fa/send", { channel: "sms", _csrf: token }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
      expect(answer.text).not.toMatch(STACK_LINE);
    }
    expect(app.store.failures).toBeGreaterThan(0);
    expect(app.hits).toEqual(["GET /account"]);

    // Service resumes by itself when the store returns.
    app.store.failing = false;
    await browser.get("/account").expect(200);
  });

  it("answers 503 when the session cannot be saved, and leaves the session unverified", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();
    const code = await sendAndRead(browser, token);

    app.store.failing = "writes";
    // The guard keeps the return-to in the session: it cannot, so it answers 503 too.
    const guarded = await browser.get("/account");
    expect(guarded.status).toBe(503);
    expect(guarded.text).not.toMatch(STACK_LINE);
    const verify = await browser.post("/2fa/verify", { code, _csrf: token });
    expect(verify.status).toBe(503);
    expect(Number(verify.headers["retry-after"])).toBeGreaterThan(0);
    expect(verify.text).not.toMatch(STACK_LINE);
    app.store.failing = false;

    expect((await browser.get("/account")).status).not.toBe(200);
    expect(app.hits).toEqual([]);
    expect(app.events.some((event) => event.type === "store.error")).toBe(true);
  });

  for (const outage of ["a 5xx", "a timeout"] as const) {
    it(`answers 503 with Retry-After on ${outage} of the provider, and keeps the challenge pending`, async () => {
      const app = await start();
      const browser = new Browser(app);
      await browser.login("alice");
      const token = await browser.csrf();
      const code = await sendAndRead(browser, token);

      emu.addFault(
        outage === "a 5xx"
          ? { path: "VerificationCheck", status: 500 }
          : { path: "VerificationCheck", status: 503, delayMs: 3000 },
      );
      const failed = await browser.post("/2fa/verify", { code, _csrf: token });
      expect(failed.status).toBe(503);
      expect(Number(failed.headers["retry-after"])).toBeGreaterThan(0);
      expect(failed.text).not.toMatch(STACK_LINE);
      expect((await browser.get("/account")).status).not.toBe(200);

      // Still pending: the same code, entered again once the provider is back, passes.
      const page = await browser.get("/2fa");
      expect(page.text).toContain('name="code"');
      const passed = await browser.post("/2fa/verify", { code, _csrf: token });
      expect(passed.status).toBe(303);
      await browser.get("/account").expect(200);
      expect(app.events.some((event) => event.type === "provider.error")).toBe(true);
    });
  }

  it("answers 503 when the provider fails to send, and nothing is delivered", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();
    emu.addFault({ path: "Verifications", status: 500 });
    const failed = await browser.post("/2fa/send", { channel: "sms", _csrf: token });
    expect(failed.status).toBe(503);
    expect(Number(failed.headers["retry-after"])).toBeGreaterThan(0);
    expect(emu.messages()).toEqual([]);
  });

  it("refuses `app.use(mfa.requireSecondFactor)` without the call, with a clear error", async () => {
    const app = await start({ misuse: "requireSecondFactor" });
    const browser = new Browser(app);
    await browser.login("alice");
    expect((await browser.get("/account")).status).toBe(500);
    expect(app.hits).toEqual([]);
    expect(codesOf(app.errors)).toContain("ERR_SF_MISCONFIGURED");
    expect(String(app.errors[0])).toContain("mfa.requireSecondFactor()");
  });

  it("refuses client-side sessions unless the app opts in", async () => {
    const refusing = await start({ sessions: "client" });
    const browser = new Browser(refusing);
    await browser.login("alice");
    expect((await browser.get("/account")).status).toBe(500);
    expect((await browser.get("/2fa")).status).toBe(500);
    expect(refusing.hits).toEqual([]);
    expect(String(refusing.errors[0])).toContain("allowClientSideSessions");

    const opted = await start({ sessions: "client", options: { allowClientSideSessions: true } });
    const user = new Browser(opted);
    await user.login("alice");
    expect((await user.get("/account")).status).not.toBe(200);
    const token = await user.csrf();
    const code = await sendAndRead(user, token);
    expect((await user.post("/2fa/verify", { code, _csrf: token })).status).toBe(303);
    await user.get("/account").expect(200);
  });

  it("gives a configuration error on the first request when no session middleware is in front", async () => {
    const app = await start({ sessions: "none" });
    const browser = new Browser(app);
    const guarded = await browser.get("/account");
    expect(guarded.status).toBe(500);
    expect((await browser.get("/2fa")).status).toBe(500);
    expect(app.hits).toEqual([]);
    expect(codesOf(app.errors)).toEqual(["ERR_SF_MISCONFIGURED", "ERR_SF_MISCONFIGURED"]);
    expect(String(app.errors[0])).toMatch(/session middleware/);
  });
});

describe("misuse caught at construction", () => {
  const provider = () => emulatorProvider(emu);
  for (const [name, secondFactor] of [
    ["express", expressSecondFactor as (options: unknown) => unknown],
    ["koa", koaSecondFactor as (options: unknown) => unknown],
  ] as const) {
    it(`${name}: no provider, no user callback, an unknown option`, () => {
      const user = () => null;
      const attempts: Array<[unknown, string]> = [
        [{ user }, "provider"],
        [{ provider: provider() }, "user"],
        [{ provider: provider(), user, maxAge: "5m" }, "maxAge"],
      ];
      for (const [options, named] of attempts) {
        let caught: unknown;
        try {
          secondFactor(options);
        } catch (error) {
          caught = error;
        }
        expect(isSecondFactorError(caught) && caught.code).toBe("ERR_SF_INVALID_OPTION");
        expect(String(caught)).toContain(named);
      }
    });

    it(`${name}: \`app.use(secondFactor)\` without options`, () => {
      const asMiddleware =
        name === "express" ? [{ headers: {}, method: "GET" }, {}, () => {}] : [{ req: {}, res: {} }];
      expect(() => (secondFactor as (...args: unknown[]) => unknown)(...asMiddleware)).toThrow(
        /secondFactor\(\{/,
      );
    });
  }
});
