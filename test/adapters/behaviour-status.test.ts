// Behaviour suite, `mfa.status(req | ctx)`: what an app can show about the second factor, before and
// after verifying, as a step-up window ages on the app clock, and void once another user logs in; on
// Express 5 and 4 and Koa 3 and 2, through supertest, the real twilio SDK and the Verify emulator.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isSecondFactorError } from "../../src/errors.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, type FlowApp, startFlowApp } from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";
const FIVE_MINUTES = 300_000;
const NOT_VERIFIED = { verified: false, pending: null };

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

describe.each(FRAMEWORKS)("%s: status()", (framework) => {
  async function start(settings: Parameters<typeof startFlowApp>[2] = {}): Promise<FlowApp> {
    const app = await startFlowApp(framework, emu, settings);
    running.push(app);
    return app;
  }

  async function statusOf(browser: Browser): Promise<{ plain: unknown; stepUp: unknown }> {
    const response = await browser.get("/status", "application/json");
    expect(response.status).toBe(200);
    return response.body as { plain: unknown; stepUp: unknown };
  }

  it("says not verified, then pending, then verified with its step-up window, then void for another user", async () => {
    const app = await start();
    const browser = new Browser(app);
    expect(await statusOf(browser)).toEqual({ plain: NOT_VERIFIED, stepUp: NOT_VERIFIED });

    await browser.login("alice");
    expect(await statusOf(browser)).toEqual({ plain: NOT_VERIFIED, stepUp: NOT_VERIFIED });

    expect((await browser.send()).status).toBe(303);
    const pending = {
      verified: false,
      pending: { channel: "sms", channels: ["sms"], maskedDestination: "•••• •••• 2661" },
    };
    expect(await statusOf(browser)).toEqual({ plain: pending, stepUp: pending });

    const verifiedAt = new Date(app.clock.now).toISOString();
    const closes = new Date(app.clock.now + FIVE_MINUTES).toISOString();
    expect((await browser.verify(emu.lastCode(ALICE) ?? "")).status).toBe(303);
    const verified = {
      verified: true,
      verifiedAt,
      channel: "sms",
      methods: ["sms"],
      phishingResistant: false,
      pending: null,
    };
    expect(await statusOf(browser)).toEqual({
      plain: verified,
      stepUp: { ...verified, stepUpOpen: true, stepUpOpenUntil: closes },
    });

    app.clock.advance(FIVE_MINUTES + 1);
    expect(await statusOf(browser)).toEqual({
      plain: verified,
      stepUp: { ...verified, stepUpOpen: false, stepUpOpenUntil: closes },
    });
    // The guard agrees: the step-up route asks again, the plain one lets the session through.
    expect((await browser.post("/transfer", { amount: "10" })).status).toBe(303);
    await browser.get("/account").expect(200);

    // Another user in the same session: alice's record is void for carol.
    await browser.login("carol");
    expect(await statusOf(browser)).toEqual({ plain: NOT_VERIFIED, stepUp: NOT_VERIFIED });
    const text = app.transcript.join("\n");
    expect(text).not.toContain(ALICE);
    expect(text).not.toContain(emu.lastCode(ALICE));
  });

  it("rejects with the guard's configuration error when there is no session middleware", async () => {
    const app = await start({ sessions: "none" });
    const response = await new Browser(app).get("/status", "application/json");
    expect(response.status).toBe(500);
    const codes = app.errors.map((error) => (isSecondFactorError(error) ? error.code : String(error)));
    expect(codes).toEqual(["ERR_SF_MISCONFIGURED"]);
  });
});
