// Behaviour suite, authenticator apps (issue 13), on Express 5 and 4 and Koa 3 and 2, with the local
// TOTP provider and with Twilio Verify TOTP on the emulator (the real SDK): enrol (a wrong confirmation
// adds nothing), sign in, the same code refused in a second session, ±1 step accepted and ±2 refused,
// wrong codes locking the account at 10 mixed with wrong SMS codes, and the secret in no later
// response, log line or event.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TotpProvider } from "../../src/providers/totp-provider.js";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { twilioVerifyTotp } from "../../src/twilio.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { appCode, otherCode, secretOfUri, totpUriOf } from "../helpers/totp.js";
import { Browser, csrfOf, type FlowApp, PROVIDER_TIMEOUT_MS, startFlowApp, wrongCode } from "./harness.js";

const ALICE_PHONE = USERS.alice?.phone ?? "";
const SECRET = "behaviour-suite-secret-behaviour-suite-secret";
type Kind = "local" | "twilio";
const PROVIDERS: readonly Kind[] = ["local", "twilio"];

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

function twilioTotp(): TotpProvider {
  return twilioVerifyTotp({
    accountSid: emu.accountSid,
    authToken: "0123456789abcdef0123456789abcdef",
    serviceSid: emu.defaultServiceSid,
    emulatorUrl: emu.url,
    timeoutMs: PROVIDER_TIMEOUT_MS,
    secret: SECRET,
  });
}

describe.each(FRAMEWORKS.flatMap((framework) => PROVIDERS.map((kind) => [framework, kind] as const)))(
  "%s, %s provider: authenticator apps",
  (framework, kind) => {
    interface TotpApp extends FlowApp {
      factors: FactorStore;
      /** The clock the provider reads: the app clock (local) or the emulator's (Twilio). */
      now(): number;
      /** Moves that clock (and the app clock, so budgets and markers age alike). */
      advance(ms: number): void;
    }

    async function start(): Promise<TotpApp> {
      const factors = createMemoryFactorStore();
      const app = await startFlowApp(framework, emu, {
        options: { factors, ...(kind === "twilio" ? { totp: { provider: twilioTotp() } } : {}) },
      });
      running.push(app);
      return Object.assign(app, {
        factors,
        now: () => (kind === "local" ? app.clock.now : emu.now()),
        advance: (ms: number) => {
          app.clock.advance(ms);
          if (kind === "twilio") emu.advanceClock(ms);
        },
      });
    }

    /** Adds an app through the settings pages; returns its URI (read from #totp-uri). */
    async function enrol(
      app: TotpApp,
      browser: Browser,
      user: string,
      expectNext = "/2fa/setup",
    ): Promise<string> {
      const settings = await browser.get("/2fa/setup");
      expect(settings.status).toBe(200);
      expect(settings.text).toMatch(/<form method="post" action="[^"]*\/2fa\/setup\/totp">/);
      const token = csrfOf(settings.text);
      const started = await browser.post("/2fa/setup/totp", { _csrf: token });
      expect(started.status).toBe(303);
      expect(started.headers.location).toBe("/2fa/setup/totp");
      const page = await browser.get("/2fa/setup/totp");
      expect(page.status).toBe(200);
      expect(page.headers["cache-control"]).toBe("no-store");
      const uri = totpUriOf(page.text);
      const right = appCode(uri, app.now());
      const wrong = await browser.post("/2fa/setup/totp/verify", { code: otherCode(right), _csrf: token });
      expect(wrong.status).toBe(303);
      expect(wrong.headers.location).toBe("/2fa/setup/totp");
      expect((await app.factors.listFactors(user)).filter((factor) => factor.kind === "totp")).toEqual([]);
      const added = await browser.post("/2fa/setup/totp/verify", { code: right, _csrf: token });
      expect(added.status).toBe(303);
      expect(added.headers.location).toBe(expectNext);
      return uri;
    }

    async function signIn(browser: Browser, code: string): Promise<{ status: number; location?: string }> {
      const page = await browser.get("/2fa");
      expect(page.status).toBe(200);
      const response = await browser.post("/2fa/totp", { code, _csrf: csrfOf(page.text) });
      return { status: response.status, location: response.headers.location };
    }

    it("bob enrols an app (a wrong code adds nothing), signs in with it, and the same code fails in a second session", async () => {
      const app = await start();
      const first = new Browser(app);
      await first.login("bob");
      expect((await first.get("/account")).headers.location).toBe("/2fa");
      const uri = await enrol(app, first, "bob", "/account");
      expect((await first.get("/account")).status).toBe(200);
      const [factor] = await app.factors.listFactors("bob");
      expect(factor).toMatchObject({ kind: "totp" });
      if (factor?.kind !== "totp") throw new Error("no app");
      expect(factor.secret.type).toBe(kind === "local" ? "encrypted" : "twilio");

      app.advance(30_000);
      const code = appCode(uri, app.now());
      const second = new Browser(app);
      await second.login("bob");
      expect((await second.get("/account")).headers.location).toBe("/2fa");
      const challenge = await second.get("/2fa");
      expect(challenge.status).toBe(200);
      expect(challenge.text).toMatch(/<form method="post" action="\/2fa\/totp">/);
      expect(await signIn(second, code)).toEqual({ status: 303, location: "/account" });
      expect((await second.get("/account")).status).toBe(200);

      const third = new Browser(app);
      await third.login("bob");
      expect((await signIn(third, code)).status).toBe(409);
      expect((await third.get("/account")).status).toBe(302);
      expect(
        app.events
          .filter((event) => event.type === "verified")
          .map((event) => (event as { method: string }).method),
      ).toEqual(["totp", "totp"]);

      // The secret was on the set-up page only: no later response, log line or event has it.
      const secret = secretOfUri(uri);
      const setupPages = app.transcript.filter((entry) => entry.startsWith("GET /2fa/setup/totp "));
      expect(setupPages.length).toBe(1);
      const rest = app.transcript.filter((entry) => !entry.startsWith("GET /2fa/setup/totp "));
      const everything = rest.join("\n") + JSON.stringify(app.events) + app.logs.join("\n");
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain("otpauth");
      expect(everything).not.toContain(code);
    });

    it("accepts one step of drift each way and refuses two", async () => {
      const app = await start();
      const setup = new Browser(app);
      await setup.login("bob");
      const uri = await enrol(app, setup, "bob");
      app.advance(120_000);
      for (const offset of [-1, 1]) {
        const browser = new Browser(app);
        await browser.login("bob");
        expect(await signIn(browser, appCode(uri, app.now() + offset * 30_000)), `offset ${offset}`).toEqual({
          status: 303,
          location: "/",
        });
        app.advance(120_000);
      }
      for (const offset of [-2, 2]) {
        const browser = new Browser(app);
        await browser.login("bob");
        expect(await signIn(browser, appCode(uri, app.now() + offset * 30_000)), `offset ${offset}`).toEqual({
          status: 303,
          location: "/2fa",
        });
        expect((await browser.get("/account")).status).toBe(302);
      }
    });

    it("locks the account at 10 wrong codes, mixed with wrong SMS codes", async () => {
      const app = await start();
      const setup = new Browser(app);
      await setup.login("alice");
      expect((await setup.send()).status).toBe(303);
      expect((await setup.verify(emu.lastCode(ALICE_PHONE) ?? "")).status).toBe(303);
      const uri = await enrol(app, setup, "alice");
      app.advance(30_000);

      const browser = new Browser(app);
      await browser.login("alice");
      expect((await browser.send()).status).toBe(303);
      const sms = emu.lastCode(ALICE_PHONE) ?? "";
      for (let i = 0; i < 5; i++) expect((await browser.verify(wrongCode(sms, i + 1))).status).toBe(303);
      const right = appCode(uri, app.now());
      const token = csrfOf((await browser.get("/2fa")).text);
      for (let i = 0; i < 5; i++) expect((await signIn(browser, otherCode(right))).status).toBe(303);
      expect(app.events.filter((event) => event.type === "locked")).toHaveLength(1);
      expect(app.events.filter((event) => event.type === "totp.failed" && !event.enrolment)).toHaveLength(5);
      const page = await browser.get("/2fa");
      expect(page.text).toContain("Verification is locked");
      expect(page.text).not.toContain('action="/2fa/totp"');
      const locked = await browser.post("/2fa/totp", { code: right, _csrf: token });
      expect(locked.status).toBe(429);
      expect(locked.headers["retry-after"]).toBe("900");
      expect((await browser.get("/account")).status).toBe(302);
    });
  },
);
