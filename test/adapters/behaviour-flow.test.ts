// Behaviour suite, the challenge flow: CSRF, wrong codes, dead verifications, the account lock and
// single-use approvals, on Express 5 and 4 and Koa 3 and 2, through supertest, the real twilio SDK and
// the Verify emulator (a stub provider where the scenario needs one).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerificationProvider } from "../../src/providers/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, type FlowApp, sessionCookiesOf, startFlowApp, wrongCode } from "./harness.js";

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

/** A provider that approves every check of every verification, all under one Verify SID. */
function approveEverything(): VerificationProvider & { checks: number } {
  const provider = {
    name: "stub-approve-all",
    checks: 0,
    start: async ({ channel }: { channel: "sms" | "call" | "email" | "whatsapp" }) => ({
      status: "pending" as const,
      sid: `VE${"a".repeat(32)}`,
      channel,
      sendAttempts: 1,
    }),
    check: async ({ sid }: { sid: string }) => {
      provider.checks += 1;
      return { status: "approved" as const, sid, channel: "sms" as const };
    },
    cancel: async () => ({ status: "canceled" as const }),
  };
  return provider;
}

describe.each(FRAMEWORKS)("%s: challenge flow", (framework) => {
  async function start(settings: Parameters<typeof startFlowApp>[2] = {}): Promise<FlowApp> {
    const app = await startFlowApp(framework, emu, settings);
    running.push(app);
    return app;
  }

  async function sendAndRead(browser: Browser, token?: string): Promise<string> {
    const sent =
      token === undefined
        ? await browser.send()
        : await browser.post("/2fa/send", { channel: "sms", _csrf: token });
    expect(sent.status).toBe(303);
    const code = emu.lastCode(ALICE);
    if (code === undefined) throw new Error("no code delivered");
    return code;
  }

  it("refuses a missing or wrong CSRF token with 403 and sends nothing", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();

    const missing = await browser.post("/2fa/send", { channel: "sms" });
    expect(missing.status).toBe(403);
    expect(missing.headers["content-type"]).toContain("text/html");
    const wrong = await browser.post("/2fa/send", { channel: "sms", _csrf: `${token.slice(0, -2)}xx` });
    expect(wrong.status).toBe(403);
    const jsonWrong = await browser
      .json("post", "/2fa/send", { channel: "sms" })
      .set("x-csrf-token", "not-the-token");
    expect(jsonWrong.status).toBe(403);
    const verifyWithout = await browser.post("/2fa/verify", { code: "123456" });
    expect(verifyWithout.status).toBe(403);
    expect(emu.messages()).toEqual([]);
    expect(app.events.filter((event) => event.type === "csrf.failed").length).toBe(4);

    // The right token works, as a form field and as the JSON header.
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    expect(emu.messages()).toHaveLength(1);
  });

  it("reads the flow's fields from the app's own body parser when it ran first", async () => {
    const app = await start({ parseBodies: true });
    const browser = new Browser(app);
    await browser.login("alice");
    const token = await browser.csrf();
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    const code = emu.lastCode(ALICE) ?? "";
    const wrong = await browser
      .json("post", "/2fa/verify", { code: wrongCode(code) })
      .set("x-csrf-token", token);
    expect(wrong.status).toBe(422);
    const refused = await browser.agent
      .post("/2fa/verify")
      .set("Accept", "text/html")
      .type("text/plain")
      .send(`code=${code}&_csrf=${token}`);
    expect(refused.status).toBe(415);
    expect((await browser.post("/2fa/verify", { code, _csrf: token })).status).toBe(303);
    await browser.get("/account").expect(200);
  });

  it("shows the attempts left after a wrong code", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const code = await sendAndRead(browser);
    const wrong = await browser.verify(wrongCode(code));
    expect(wrong.status).toBe(303);
    expect(wrong.headers.location).toBe("/2fa");
    const page = await browser.get("/2fa");
    expect(page.status).toBe(200);
    expect(page.text).toContain("4 attempts left for this code.");

    const json = await browser
      .json("post", "/2fa/verify", { code: wrongCode(code, 2) })
      .set("x-csrf-token", await browser.csrf());
    expect(json.status).toBe(422);
    expect(json.body).toMatchObject({ error: "wrong_code", attemptsLeft: 3 });
    expect(app.hits).toEqual([]);
  });

  it("needs a new code after five wrong ones: the old code no longer verifies", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const first = await sendAndRead(browser);
    const token = await browser.csrf();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await browser.post("/2fa/verify", { code: wrongCode(first, attempt), _csrf: token });
      expect(response.status).toBe(303);
    }
    const late = await browser.post("/2fa/verify", { code: first, _csrf: token });
    expect(late.status).not.toBe(303);
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect((await browser.get("/account")).status).not.toBe(200);

    app.clock.advance(3000);
    const second = await sendAndRead(browser, token);
    const messages = emu.messages({ to: ALICE });
    expect(messages).toHaveLength(2);
    expect(messages[1]?.verificationSid).not.toBe(messages[0]?.verificationSid);
    const verified = await browser.post("/2fa/verify", { code: second, _csrf: token });
    expect(verified.status).toBe(303);
    // The GET /account the guard intercepted above is where the user goes.
    expect(verified.headers.location).toBe("/account");
    await browser.get("/account").expect(200);
  });

  it("locks the account after 10 wrong codes across resends, new codes, re-logins and IPs", async () => {
    const app = await start({ trustProxy: true });

    // Session 1, first IP: a code, three wrong guesses, a resend of the same code, two more.
    const first = new Browser(app, "203.0.113.7");
    await first.login("alice");
    const firstToken = await first.csrf();
    const code1 = await sendAndRead(first, firstToken);
    for (let i = 1; i <= 3; i += 1) {
      expect((await first.post("/2fa/verify", { code: wrongCode(code1, i), _csrf: firstToken })).status).toBe(
        303,
      );
    }
    app.clock.advance(31_000);
    expect((await first.post("/2fa/send", { channel: "sms", _csrf: firstToken })).status).toBe(303);
    expect(emu.messages({ to: ALICE })).toHaveLength(2);
    for (let i = 4; i <= 5; i += 1) {
      expect((await first.post("/2fa/verify", { code: wrongCode(code1, i), _csrf: firstToken })).status).toBe(
        303,
      );
    }

    // Session 2 (a new login), another IP: a new code, four wrong guesses.
    const second = new Browser(app, "198.51.100.23");
    await second.login("alice");
    const secondToken = await second.csrf();
    const code2 = await sendAndRead(second, secondToken);
    for (let i = 1; i <= 4; i += 1) {
      expect(
        (await second.post("/2fa/verify", { code: wrongCode(code2, i), _csrf: secondToken })).status,
      ).toBe(303);
    }
    expect(app.events.some((event) => event.type === "locked")).toBe(false);

    // Session 3, an IPv6 client: the tenth wrong code locks the account.
    const third = new Browser(app, "2001:db8::1");
    await third.login("alice");
    const thirdToken = await third.csrf();
    const code3 = await sendAndRead(third, thirdToken);
    await third.post("/2fa/verify", { code: wrongCode(code3, 7), _csrf: thirdToken });
    const locked = app.events.filter((event) => event.type === "locked");
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ userId: "alice", failures: 10, lockSeconds: 900 });

    // Locked: the right code is not checked, nothing is sent, and 429 says when to come back.
    const sentBefore = emu.messages().length;
    const right = await third.post("/2fa/verify", { code: code3, _csrf: thirdToken });
    expect(right.status).toBe(429);
    expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
    const resend = await third.post("/2fa/send", { channel: "sms", _csrf: thirdToken });
    expect(resend.status).toBe(429);
    expect(emu.messages()).toHaveLength(sentBefore);
    expect((await third.get("/account")).status).not.toBe(200);
    expect(app.hits).toEqual([]);

    // Support unlocks; the user can verify again.
    await app.unlock("alice");
    app.clock.advance(31_000);
    const fresh = new Browser(app, "203.0.113.7");
    await fresh.login("alice");
    const freshToken = await fresh.csrf();
    const code4 = await sendAndRead(fresh, freshToken);
    expect((await fresh.post("/2fa/verify", { code: code4, _csrf: freshToken })).status).toBe(303);
    await fresh.get("/account").expect(200);
  });

  it("verifies at most one session with one approval, whatever 20 parallel requests do", async () => {
    const provider = approveEverything();
    const app = await start({ options: { provider } });
    const browser = new Browser(app);
    const cookie = sessionCookiesOf(await browser.login("alice"));
    expect(cookie).toMatch(/^sid=/);
    expect((await browser.get("/account")).status).not.toBe(200);
    const token = await browser.csrf();
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        app
          .client()
          .post("/2fa/verify")
          .set("Cookie", cookie ?? "")
          .set("Accept", "text/html")
          .type("form")
          .send({ code: "123456", _csrf: token }),
      ),
    );
    const toAccount = answers.filter((answer) => answer.headers.location === "/account");
    expect(toAccount).toHaveLength(1);
    expect(app.events.filter((event) => event.type === "verified")).toHaveLength(1);
    const passing = [];
    for (const answer of answers) {
      const next = sessionCookiesOf(answer);
      if (next === undefined) continue;
      const status = (await app.client().get("/account").set("Cookie", next).set("Accept", "text/html"))
        .status;
      if (status === 200) passing.push(next);
    }
    expect(passing).toHaveLength(1);
  });

  it("verifies at most one of 20 sessions whose challenges share one approved Verify SID", async () => {
    const provider = approveEverything();
    const generous = { points: 100, durationSeconds: 600 };
    const app = await start({
      options: {
        provider,
        limits: { sends: { user: generous, destination: generous, ip: generous } },
      },
    });
    const browsers = Array.from({ length: 20 }, () => new Browser(app));
    const tokens: string[] = [];
    for (const browser of browsers) {
      await browser.login("alice");
      const token = await browser.csrf();
      tokens.push(token);
      expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    }
    const answers = await Promise.all(
      browsers.map((browser, index) =>
        browser.post("/2fa/verify", { code: "123456", _csrf: tokens[index] ?? "" }),
      ),
    );
    expect(provider.checks).toBeGreaterThanOrEqual(1);
    expect(answers.filter((answer) => answer.headers.location === "/")).toHaveLength(1);
    expect(app.events.filter((event) => event.type === "verified")).toHaveLength(1);
    const statuses = await Promise.all(
      browsers.map(async (browser) => (await browser.get("/account")).status),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  });
});
