/**
 * The example apps as an attacker meets them: open redirects through `returnTo`, CSRF on sign-in and
 * sign-out, escaping, the headers of every page, body limits, password guessing, and a session store
 * that fails (503, never 500).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_USERNAME } from "../../examples/shared/login-throttle.js";
import {
  csrfOf,
  EXAMPLES,
  type FailSwitch,
  hiddenField,
  type RunningApp,
  signIn,
  signInVerified,
  startApp,
} from "./helpers.js";

/** `returnTo` values that must never send a signed-in user off this site. */
const OPEN_REDIRECTS = [
  "//evil.example",
  "//evil.example/account",
  "/\\evil.example",
  "\\\\evil.example",
  "https://evil.example",
  "http:evil.example",
  "javascript:alert(1)",
  "%2F%2Fevil.example",
  "/%2F%2Fevil.example",
  "/%2f%2fevil.example",
  "/%5Cevil.example",
  "/%252F%252Fevil.example",
  "/account\r\nLocation: https://evil.example",
  "/%0d%0aLocation:%20https://evil.example",
  " //evil.example",
  "evil.example",
];

describe.each(EXAMPLES)("the %s example under attack", (name) => {
  let app: RunningApp;
  const store: FailSwitch = { failing: false };

  beforeAll(async () => {
    app = await startApp(name, { store });
  });
  afterAll(async () => {
    expect(app.unexpected).toEqual([]);
    await app.close();
  });

  it.each(OPEN_REDIRECTS)(
    "sends a sign-in with returnTo=%j to / and never keeps it in the form",
    async (target) => {
      const client = app.client();
      const page = await client.get(`/login?returnTo=${encodeURIComponent(target)}`);
      expect(page.status).toBe(200);
      expect(hiddenField(page.text, "/login", "returnTo")).toBe("");
      const login = await client
        .post("/login")
        .type("form")
        .send({
          _csrf: csrfOf(page.text, "/login"),
          username: "alice",
          password: "alice-password",
          returnTo: target,
        });
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe("/");
    },
  );

  it("checks a returnTo in the query of the sign-in POST too", async () => {
    for (const [target, expected] of [
      ["//evil.example", "/"],
      ["/\\evil.example", "/"],
      ["/account", "/account"],
    ] as const) {
      const client = app.client();
      const page = await client.get("/login");
      const login = await client
        .post(`/login?returnTo=${encodeURIComponent(target)}`)
        .type("form")
        .send({
          _csrf: csrfOf(page.text, "/login"),
          username: "carol",
          password: "carol-password",
          returnTo: "",
        });
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe(expected);
    }
  });

  it("keeps a same-site returnTo, query included", async () => {
    const client = app.client();
    const login = await signIn(client, "alice", "alice-password", "/transfer?from=home");
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/transfer?from=home");
  });

  it("refuses a sign-in without, or with a wrong, CSRF token (403), and signs nobody in", async () => {
    const fresh = await app
      .client()
      .post("/login")
      .type("form")
      .send({ username: "alice", password: "alice-password" });
    expect(fresh.status).toBe(403);
    expect(fresh.text).toContain("This form has expired");

    const client = app.client();
    const page = await client.get("/login");
    const missing = await client
      .post("/login")
      .type("form")
      .send({ username: "alice", password: "alice-password" });
    expect(missing.status).toBe(403);
    const wrong = await client
      .post("/login")
      .type("form")
      .send({ _csrf: `${csrfOf(page.text, "/login")}x`, username: "alice", password: "alice-password" });
    expect(wrong.status).toBe(403);
    const repeated = await client
      .post("/login")
      .type("form")
      .send(`_csrf=${csrfOf(page.text, "/login")}&_csrf=other&username=alice&password=alice-password`);
    expect(repeated.status).toBe(400);
    expect((await client.get("/")).text).not.toContain("signed in as");
  });

  it("refuses a sign-out without, or with a wrong, CSRF token (403), and keeps the session", async () => {
    const client = app.client();
    await signInVerified(app, client);
    const home = await client.get("/");
    expect((await client.post("/logout").type("form").send({})).status).toBe(403);
    expect((await client.post("/logout").type("form").send({ _csrf: "forged-forged-forged" })).status).toBe(
      403,
    );
    // A sign-out posted from another site carries the user's cookie but cannot know the token.
    expect(
      (await client.post("/logout").type("form").set("Origin", "https://evil.example").send({})).status,
    ).toBe(403);
    expect((await client.get("/account")).status).toBe(200);
    expect(
      (
        await client
          .post("/logout")
          .type("form")
          .send({ _csrf: csrfOf(home.text, "/logout") })
      ).status,
    ).toBe(303);
  });

  it("refuses a transfer without its CSRF token", async () => {
    const client = app.client();
    await signInVerified(app, client);
    const refused = await client.post("/transfer").type("form").send({ amount: "10", recipient: "Mallory" });
    expect(refused.status).toBe(403);
    expect((await client.get("/transfer/done")).headers.location).toBe("/transfer");
  });

  it("escapes what the user typed", async () => {
    const client = app.client();
    const page = await client.get("/login");
    const attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const login = await client
      .post("/login")
      .type("form")
      .send({ _csrf: csrfOf(page.text, "/login"), username: attack, password: "x" });
    expect(login.status).toBe(401);
    expect(login.text).not.toContain("<script>");
    expect(login.text).not.toContain("<img");
    expect(login.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");

    const verified = app.client();
    await signInVerified(app, verified);
    const transfer = await verified.get("/transfer");
    const refused = await verified
      .post("/transfer")
      .type("form")
      .send({ _csrf: csrfOf(transfer.text, "/transfer"), amount: "<b>1</b>", recipient: attack });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain("<script>");
    expect(refused.text).toContain('aria-invalid="true"');
  });

  it("sends a strict CSP, no-store and no framing on every page it serves", async () => {
    const client = app.client();
    const pages = [await client.get("/"), await client.get("/login"), await client.get("/nowhere")];
    await signInVerified(app, client);
    pages.push(
      await client.get("/"),
      await client.get("/account"),
      await client.get("/transfer"),
      await client.get("/api/me").set("Accept", "application/json"),
    );
    expect(pages.map((page) => page.status)).toEqual([200, 200, 404, 200, 200, 200, 200]);
    for (const page of pages) {
      const csp = String(page.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("script-src");
      expect(page.headers["cache-control"]).toBe("no-store");
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      expect(page.headers["x-powered-by"]).toBeUndefined();
      expect(page.text).not.toMatch(/<script|\son[a-z]+=/i);
    }
    const cookie = String(pages[3]?.request.cookies ?? "");
    expect(cookie).toMatch(/sf\.sid=/);
  });

  it("sets the session cookie HttpOnly and SameSite=Lax", async () => {
    const login = await signIn(app.client(), "carol", "carol-password");
    const cookies = ([] as string[]).concat(login.headers["set-cookie"] ?? []);
    const session = cookies.find((cookie) => cookie.startsWith("sf.sid="));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
  });

  it("limits the size of its forms (413) and takes forms only (415)", async () => {
    const client = app.client();
    const page = await client.get("/login");
    const big = await client
      .post("/login")
      .type("form")
      .send({ _csrf: csrfOf(page.text, "/login"), username: "alice", password: "x".repeat(10_000) });
    expect(big.status).toBe(413);
    expect(big.text).toContain("That form was too large");
    const json = await client
      .post("/login")
      .set("Content-Type", "application/json")
      .send(
        JSON.stringify({ _csrf: csrfOf(page.text, "/login"), username: "alice", password: "alice-password" }),
      );
    expect(json.status).toBe(415);
  });

  it("answers malformed requests with a 4xx page, never 500", async () => {
    const client = app.client();
    const page = await client.get("/login");
    const token = csrfOf(page.text, "/login");
    const manyFields = Array.from({ length: 40 }, (_, index) => `f${index}=x`).join("&");
    const answers = [
      await client.get("/account%"),
      await client.get("/%E0%A4%A"),
      await client.post("/login").type("form").send(`_csrf=${token}&${manyFields}`),
      await client
        .post("/login")
        .set("Content-Type", "application/x-www-form-urlencoded; charset=koi8-r")
        .send(`_csrf=${token}&username=alice&password=alice-password`),
      await client.post("/login").set("Content-Type", "text/plain").send("hello"),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers["content-security-policy"]).toContain("default-src 'none'");
    }
    expect(answers[3]?.status).toBe(415);
    expect(answers[4]?.status).toBe(415);
  });

  it("stops password guessing after 10 wrong passwords for an account (429), even with the right one", async () => {
    const client = app.client();
    const page = await client.get("/login");
    const token = csrfOf(page.text, "/login");
    for (let attempt = 0; attempt < LOGIN_FAILURES_PER_USERNAME; attempt += 1) {
      const wrong = await client
        .post("/login")
        .type("form")
        .send({ _csrf: token, username: "bob", password: `guess-${attempt}` });
      expect(wrong.status).toBe(401);
    }
    const blocked = await client
      .post("/login")
      .type("form")
      .send({ _csrf: token, username: "bob", password: "bob-password" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("checks no more parallel wrong passwords than the limit: 30 at once, 10 checked, the rest 429", async () => {
    const client = app.client();
    const page = await client.get("/login");
    const token = csrfOf(page.text, "/login");
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, attempt) =>
        client
          .post("/login")
          .type("form")
          .send({ _csrf: token, username: "carol", password: `parallel-guess-${attempt}` }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOGIN_FAILURES_PER_USERNAME);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - LOGIN_FAILURES_PER_USERNAME);
  });

  it("answers 503 with Retry-After, never 500, while the session store is down, and recovers", async () => {
    const client = app.client();
    await signInVerified(app, client);
    const home = await client.get("/");
    store.failing = true;
    try {
      const answers = [
        await client.get("/"),
        await client.get("/login"),
        await client.get("/account"),
        await client.get("/2fa"),
        await client
          .post("/logout")
          .type("form")
          .send({ _csrf: csrfOf(home.text, "/logout") }),
        await client.get("/api/me").set("Accept", "application/json"),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
      }
      expect(answers[5]?.headers["content-type"]).toMatch(/json/);
    } finally {
      store.failing = false;
    }
    expect((await client.get("/account")).status).toBe(200);
  });
});
