// Behaviour suite, guards: what a protected route lets through, on Express 5 and 4 and Koa 3 and 2,
// through supertest, the real twilio SDK and the Verify emulator.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, type FlowApp, sessionCookiesOf, startFlowApp } from "./harness.js";

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

function isRedirectTo(
  response: { status: number; headers: Record<string, string> },
  prefix: string,
): boolean {
  return [302, 303].includes(response.status) && (response.headers.location ?? "").startsWith(prefix);
}

describe.each(FRAMEWORKS)("%s: guards", (framework) => {
  async function start(settings: Parameters<typeof startFlowApp>[2] = {}): Promise<FlowApp> {
    const app = await startFlowApp(framework, emu, settings);
    running.push(app);
    return app;
  }

  /** Sends a code and enters it; returns the verify response. */
  async function passSecondFactor(browser: Browser) {
    expect((await browser.send()).status).toBe(303);
    const code = emu.lastCode(ALICE);
    expect(code).toMatch(/^\d{4,10}$/);
    return browser.verify(code ?? "");
  }

  it("never lets an unverified GET, POST, PUT, DELETE or HEAD reach the handler", async () => {
    const app = await start();
    const anonymous = new Browser(app);
    const login = await anonymous.get("/account");
    expect(isRedirectTo(login, "/login")).toBe(true);
    expect(login.headers.location).toBe("/login?returnTo=%2Faccount");

    const browser = new Browser(app);
    await browser.login("alice");
    const answers = [
      await browser.get("/account"),
      await browser.post("/transfer", { amount: "10" }),
      await browser.agent.put("/resource").set("Accept", "text/html"),
      await browser.agent.delete("/resource").set("Accept", "text/html"),
      await browser.head("/account"),
    ];
    for (const answer of answers) expect(isRedirectTo(answer, "/2fa")).toBe(true);
    const head = answers[4];
    expect(head?.text ?? "").toBe("");
    expect(app.hits).toEqual([]);
    expect(app.events.filter((event) => event.type === "challenge.required").length).toBe(5);
  });

  it("returns to the GET the guard intercepted, on a new session id", async () => {
    const app = await start();
    const browser = new Browser(app);
    const before = sessionCookiesOf(await browser.login("alice"));
    expect(before).toBeDefined();
    expect(isRedirectTo(await browser.get("/account?tab=security"), "/2fa")).toBe(true);
    const verified = await passSecondFactor(browser);
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe("/account?tab=security");
    const after = sessionCookiesOf(verified);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    await browser.get("/account").expect(200);
    expect(app.hits).toEqual(["GET /account"]);
  });

  it("sends the user to the default page after an intercepted POST", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const refused = await browser.post("/transfer", { amount: "10" });
    expect(isRedirectTo(refused, "/2fa")).toBe(true);
    const verified = await passSecondFactor(browser);
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe("/");
    expect(app.hits).toEqual([]);
  });

  it("lets a verified session through every method", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    expect((await passSecondFactor(browser)).status).toBe(303);
    await browser.get("/account").expect(200);
    await browser.post("/transfer", { amount: "10" }).expect(200);
    await browser.agent.put("/resource").expect(200);
    await browser.agent.delete("/resource").expect(200);
    await browser.head("/account").expect(200);
    await browser.json("get", "/api/me").expect(200, { user: "alice" });
    expect(app.hits).toEqual([
      "GET /account",
      "POST /transfer",
      "PUT /resource",
      "DELETE /resource",
      "HEAD /account",
      "GET /api/me",
    ]);
  });

  it("asks again when the step-up window has passed on the app clock", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    expect((await passSecondFactor(browser)).status).toBe(303);
    await browser.post("/transfer").expect(200);

    app.clock.advance(5 * 60_000 + 1000);
    const stale = await browser.post("/transfer");
    expect(isRedirectTo(stale, "/2fa")).toBe(true);
    const json = await browser.json("post", "/transfer", {});
    expect(json.status).toBe(401);
    expect(json.headers["www-authenticate"]).toContain("max_age=300");
    // A route without step-up still passes.
    await browser.get("/account").expect(200);
    expect(app.hits).toEqual(["POST /transfer", "GET /account"]);

    emu.reset();
    expect((await passSecondFactor(browser)).status).toBe(303);
    await browser.post("/transfer").expect(200);
    expect(app.hits).toEqual(["POST /transfer", "GET /account", "POST /transfer"]);
  });

  it("voids the record when another user logs in on the same session", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    expect((await passSecondFactor(browser)).status).toBe(303);
    await browser.get("/account").expect(200);
    await browser.login("carol");
    const carol = await browser.get("/account");
    expect(isRedirectTo(carol, "/2fa")).toBe(true);
    expect(app.hits).toEqual(["GET /account"]);
  });

  it("answers JSON clients with 401 and WWW-Authenticate, without a redirect", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const response = await browser.json("get", "/api/me");
    expect(response.status).toBe(401);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toMatchObject({ error: "second_factor_required", challenge: "/2fa" });
    expect(response.headers["www-authenticate"]).toContain('error="insufficient_user_authentication"');
    expect(response.headers["www-authenticate"]).not.toContain("max_age");
    // `*/*` counts as HTML.
    expect(isRedirectTo(await browser.get("/api/me", "*/*"), "/2fa")).toBe(true);
    expect(app.hits).toEqual([]);
  });

  it("sends every refusal with the security headers, the second one (worked out once) as the first", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    for (const refuse of [() => browser.json("get", "/api/me"), () => browser.get("/account")]) {
      const first = await refuse();
      const second = await refuse();
      expect([first.status, second.status]).toEqual(first.status === 401 ? [401, 401] : [302, 302]);
      for (const response of [first, second]) {
        expect(response.headers["cache-control"]).toBe("no-store");
        expect(response.headers["x-content-type-options"]).toBe("nosniff");
        expect(response.headers["x-frame-options"]).toBe("DENY");
        expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
        expect(response.headers.vary).toContain("Accept");
      }
      // The date changes, and the first redirect saves the return-to (koa-session sets its cookie again).
      const { date: _d1, "set-cookie": _c1, ...firstHeaders } = first.headers;
      const { date: _d2, "set-cookie": _c2, ...secondHeaders } = second.headers;
      expect(secondHeaders).toEqual(firstHeaders);
    }
    expect(app.hits).toEqual([]);
  });

  it("ends a verified session on logout: its old cookie is not verified afterwards", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("alice");
    const verified = await passSecondFactor(browser);
    const cookie = sessionCookiesOf(verified);
    expect(cookie).toBeDefined();
    // The cookie, replayed from another client, is the verified session...
    await app
      .client()
      .get("/account")
      .set("Cookie", cookie ?? "")
      .expect(200);
    await browser.agent.post("/logout").expect(200);

    const replay = await app
      .client()
      .get("/account")
      .set("Cookie", cookie ?? "")
      .set("Accept", "text/html");
    // ...and after logout it is nobody's.
    expect(isRedirectTo(replay, "/login")).toBe(true);
    expect(app.hits).toEqual(["GET /account"]);
  });
});
