/**
 * Each example app (Express and Koa), imported and walked through the whole flow with supertest
 * against its embedded Verify emulator: sign-in, challenge, wrong and right codes, JSON, step-up,
 * bob sent to the settings page, sign-out (bob's enrolment: enrolment.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE_PHONE,
  csrfOf,
  EXAMPLES,
  forms,
  type RunningApp,
  sendCode,
  signIn,
  signInVerified,
  startApp,
  submitCode,
} from "./helpers.js";

const STEP_UP_MS = 2000;

describe.each(EXAMPLES)("the %s example", (name) => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(name, { env: { STEP_UP_MAX_AGE: "2s" } });
  });
  afterAll(async () => {
    expect(app.unexpected).toEqual([]);
    await app.close();
  });

  it("walks alice from sign-in through the challenge back to /account", async () => {
    const client = app.client();
    const home = await client.get("/");
    expect(home.status).toBe(200);
    expect(home.text).toContain('href="/login"');

    const first = await client.get("/account");
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe("/login?returnTo=%2Faccount");

    const loginPage = await client.get(first.headers.location as string);
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toMatch(/<label for="username">Username<\/label>/);
    expect(loginPage.text).toMatch(/<label for="password">Password<\/label>/);
    expect(loginPage.text).toMatch(/<input type="hidden" name="returnTo" value="\/account">/);
    const anonymousCookie = String(loginPage.headers["set-cookie"] ?? "");

    const wrong = await client
      .post("/login")
      .type("form")
      .send({
        _csrf: csrfOf(loginPage.text, "/login"),
        username: "alice",
        password: "nope",
        returnTo: "/account",
      });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain("Wrong username or password.");
    expect(wrong.text).toContain('name="username"');

    const login = await client
      .post("/login")
      .type("form")
      .send({
        _csrf: csrfOf(wrong.text, "/login"),
        username: "alice",
        password: "alice-password",
        returnTo: "/account",
      });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/account");
    // Login regenerates the session: a new cookie, not the anonymous one.
    const loginCookie = String(login.headers["set-cookie"] ?? "");
    expect(loginCookie).toMatch(/sf\.sid=/);
    expect(loginCookie.split(";")[0]).not.toBe(anonymousCookie.split(";")[0]);

    const before = await client.get("/api/me").set("Accept", "application/json");
    expect(before.status).toBe(401);
    expect(before.body.error).toBe("second_factor_required");

    const guarded = await client.get("/account");
    expect(guarded.status).toBe(302);
    expect(guarded.headers.location).toBe("/2fa");

    const challenge = await client.get("/2fa");
    expect(challenge.status).toBe(200);
    expect(forms(challenge.text).some((form) => form.action.endsWith("/2fa/send"))).toBe(true);
    expect(challenge.text).toMatch(/name="channel" value="sms"/);
    expect(challenge.text).toMatch(/name="channel" value="call"/);
    expect(challenge.text).not.toMatch(/value="whatsapp"|value="email"/);

    const sent = await sendCode(client, "sms");
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe("/2fa");
    const code = app.emulator.lastCode(ALICE_PHONE);
    expect(code).toMatch(/^\d{4,10}$/);

    const wrongCode = code === "000000" ? "111111" : "000000";
    const refused = await submitCode(client, wrongCode);
    expect(refused.status).toBe(303);
    const afterWrong = await client.get("/2fa");
    expect(afterWrong.text).toContain("That code was not right");
    expect(afterWrong.text).toContain("4 attempts left");

    const accepted = await submitCode(client, code as string);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe("/account");

    const account = await client.get("/account");
    expect(account.status).toBe(200);
    expect(account.text).toContain("Your account");
    expect(account.text).toMatch(/Passed<\/span> at \d\d:\d\d:\d\d UTC/);
    expect(account.text).toContain("text message");
    expect(account.text).not.toContain(ALICE_PHONE);

    const me = await client.get("/api/me").set("Accept", "application/json");
    expect(me.status).toBe(200);
    expect(me.headers["content-type"]).toMatch(/^application\/json/);
    expect(me.body.user.username).toBe("alice");
    expect(me.body.secondFactor).toMatchObject({ verified: true, channel: "sms" });
    expect(me.body.stepUp).toMatchObject({ maxAgeSeconds: 2, open: true });
    expect(me.text).not.toContain(ALICE_PHONE);

    const homeSignedIn = await client.get("/");
    expect(homeSignedIn.text).toContain("signed in as <strong>alice</strong>");
    expect(homeSignedIn.text).toMatch(/Open<\/span> until \d\d:\d\d:\d\d UTC/);
    expect(csrfOf(homeSignedIn.text, "/logout")).toBeTruthy();
  });

  it("asks again for /transfer once the step-up window has passed, and returns there", async () => {
    const client = app.client();
    await signInVerified(app, client);

    const open = await client.get("/transfer");
    expect(open.status).toBe(200);
    expect(open.text).toContain("STEP_UP_MAX_AGE=2s");
    const done = await client
      .post("/transfer")
      .type("form")
      .send({ _csrf: csrfOf(open.text, "/transfer"), amount: "12.5", recipient: "Dave" });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe("/transfer/done");
    expect((await client.get("/transfer/done")).text).toContain("$12.50 to Dave");

    app.advance(STEP_UP_MS + 1000);
    const home = await client.get("/");
    expect(home.text).toMatch(/Closed<\/span> since/);
    // A POST after the window does not reach the handler.
    const late = await client
      .post("/transfer")
      .type("form")
      .send({ _csrf: csrfOf(open.text, "/transfer"), amount: "1", recipient: "Eve" });
    expect(late.status).toBe(303);
    expect(late.headers.location).toBe("/2fa");
    // /account still passes: only the step-up route asks again.
    expect((await client.get("/account")).status).toBe(200);
    const again = await client.get("/transfer");
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe("/2fa");
    const challenge = await client.get("/2fa");
    expect(challenge.text).toContain("needs a recent verification");

    app.advance(31_000); // past the resend wait of the first code
    expect((await sendCode(client, "sms")).status).toBe(303);
    const verified = await submitCode(client, app.emulator.lastCode(ALICE_PHONE) as string);
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe("/transfer");
    expect((await client.get("/transfer")).status).toBe(200);
  });

  it("sends bob, who has no factor, to the settings page to enrol one, and sends nothing on its own", async () => {
    const client = app.client();
    const messagesBefore = app.emulator.messages().length;
    expect((await signIn(client, "bob", "bob-password")).status).toBe(303);
    expect((await client.get("/account")).headers.location).toBe("/2fa");
    const challenge = await client.get("/2fa");
    expect(challenge.status).toBe(302);
    expect(challenge.headers.location).toBe("/2fa/setup");
    const page = await client.get("/2fa/setup");
    expect(page.status).toBe(200);
    expect(forms(page.text).some((form) => form.action.endsWith("/2fa/setup/phone"))).toBe(true);
    expect(forms(page.text).some((form) => form.action.endsWith("/2fa/send"))).toBe(false);
    const attempt = await client.post("/2fa/send").type("form").send({ channel: "sms" });
    expect(attempt.status).toBeGreaterThanOrEqual(400);
    expect(app.emulator.messages().length).toBe(messagesBefore);
    expect((await client.get("/account")).status).toBe(302);
  });

  it("shows alice's enrolled phone, masked, and links to the settings page from /account", async () => {
    const client = app.client();
    await signInVerified(app, client);
    const account = await client.get("/account");
    expect(account.status).toBe(200);
    expect(account.text).toContain('<a href="/2fa/setup">');
    expect(account.text).toContain("2661");
    expect(account.text).not.toContain(ALICE_PHONE);
    const me = await client.get("/api/me").set("Accept", "application/json");
    expect(me.body.user.phone).toMatch(/2661$/);
    expect(me.body.user.phone).not.toBe(ALICE_PHONE);
  });

  it("refuses channels other than sms and call", async () => {
    const client = app.client();
    expect((await signIn(client, "carol", "carol-password")).status).toBe(303);
    await client.get("/account");
    const page = await client.get("/2fa");
    const messagesBefore = app.emulator.messages().length;
    for (const channel of ["whatsapp", "email", "sms2"]) {
      const refused = await client
        .post("/2fa/send")
        .type("form")
        .send({ _csrf: csrfOf(page.text, "/2fa/send"), channel });
      expect(refused.status).toBe(400);
    }
    expect(app.emulator.messages().length).toBe(messagesBefore);
  });

  it("ends the session at sign-out: the second factor goes with it, and the old cookie is dead", async () => {
    const client = app.client();
    await signInVerified(app, client);
    expect((await client.get("/account")).status).toBe(200);
    const home = await client.get("/");
    const cookie = (await client.get("/account")).request.cookies;

    const noToken = await client.post("/logout").type("form").send({});
    expect(noToken.status).toBe(403);
    expect((await client.get("/account")).status).toBe(200);

    const out = await client
      .post("/logout")
      .type("form")
      .send({ _csrf: csrfOf(home.text, "/logout") });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe("/");
    const after = await client.get("/account");
    expect(after.status).toBe(302);
    expect(after.headers.location).toBe("/login?returnTo=%2Faccount");

    const replay = await app.client().get("/account").set("Cookie", cookie);
    expect(replay.status).toBe(302);
    expect(replay.headers.location).toMatch(/^\/login/);
    const json = await app.client().get("/api/me").set("Cookie", cookie).set("Accept", "application/json");
    expect(json.status).toBe(401);
  });
});
