// The adapters' own duties, with a fake core, on Express 5 and 4 and Koa 3 and 2: session detection,
// misuse, body reading, decision writing, session regeneration and session-store failures.
import { afterEach, describe, expect, it } from "vitest";
import { expressMiddleware } from "../../adapters/express/middleware.js";
import { koaMiddleware } from "../../adapters/koa/middleware.js";
import { isSecondFactorError } from "../../src/errors.js";
import {
  type AppOptions,
  FRAMEWORKS,
  type MfaFactories,
  sessionCookiesOf,
  startApp,
  type TestApp,
} from "../helpers/apps/index.js";
import { type FakeCoreOptions, fakeCore } from "./fake-core.js";

type Extra = Omit<FakeCoreOptions<unknown>, "user">;

function fakeFactories(extra: Extra = {}): MfaFactories {
  return {
    express: (user) => expressMiddleware(fakeCore({ ...extra, user })),
    koa: (user) => koaMiddleware(fakeCore({ ...extra, user })),
  };
}

const running: TestApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function app(options: Omit<AppOptions, "mfa"> & { extra?: Extra }): Promise<TestApp> {
  const started = await startApp({ ...options, mfa: fakeFactories(options.extra) });
  running.push(started);
  return started;
}

function misconfiguredErrors(errors: readonly unknown[]): string[] {
  return errors.filter((e) => isSecondFactorError(e) && e.code === "ERR_SF_MISCONFIGURED").map(String);
}

describe.each(FRAMEWORKS)("%s adapter", (framework) => {
  it("refuses `requireSecondFactor` mounted without the call, with a message naming the fix", async () => {
    const test = await app({ framework, misuse: "requireSecondFactor" });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    const response = await client.get("/account");
    expect(response.status).toBe(500);
    expect(test.hits).toEqual([]);
    const [message] = misconfiguredErrors(test.errors);
    expect(message).toContain("requireSecondFactor()");
  });

  it("never lets a request through on a guard answer that is not NEXT and not a response", async () => {
    const broken: (() => unknown)[] = [
      () => undefined,
      () => ({ kind: "next" }),
      () => Promise.resolve(undefined),
      () => Promise.resolve({ kind: "next" }),
    ];
    for (const brokenRefusal of broken) {
      const test = await app({ framework, extra: { brokenRefusal } });
      const client = test.client();
      await client.post("/login").send({ user: "alice" }).expect(200);
      expect((await client.get("/account")).status).toBe(500);
      expect(test.hits).toEqual([]);
      expect(misconfiguredErrors(test.errors)[0]).toContain("refused");
    }
  });

  it("refuses `routes` mounted without the call", async () => {
    const test = await app({ framework, misuse: "routes" });
    const response = await test.client().get("/2fa");
    expect(response.status).toBe(500);
    expect(misconfiguredErrors(test.errors)[0]).toContain("mfa.routes()");
  });

  it("gives a configuration error, never a pass, when no session middleware is in front", async () => {
    const test = await app({ framework, sessions: "none" });
    const client = test.client();
    for (const path of ["/account", "/2fa"]) {
      const response = await client.get(path);
      expect(response.status).toBe(500);
      expect(response.text).not.toContain("challenge");
    }
    expect(test.hits).toEqual([]);
    const messages = misconfiguredErrors(test.errors);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/session/i);
    expect(messages[0]).toContain("before second-factor");
  });

  it("refuses client-side sessions with a message naming allowClientSideSessions", async () => {
    const test = await app({ framework, sessions: "client" });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    expect((await client.get("/account")).status).toBe(500);
    expect((await client.get("/2fa")).status).toBe(500);
    expect(test.hits).toEqual([]);
    expect(misconfiguredErrors(test.errors)[0]).toContain("allowClientSideSessions: true");
  });

  it("accepts client-side sessions when the app opts in", async () => {
    const test = await app({ framework, sessions: "client", extra: { allowClientSideSessions: true } });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    expect((await client.get("/2fa")).text).toContain("challenge for alice");
    await client.post("/2fa/verify").expect(303);
    await client.get("/account").expect(200);
    expect(test.hits).toEqual(["GET /account"]);
  });

  it("writes html, json and redirect decisions, and headers only for HEAD", async () => {
    const test = await app({ framework });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);

    const page = await client.get("/2fa").expect(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.text).toBe("<p>challenge for alice</p>");

    const json = await client.get("/2fa/json").expect(202);
    expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(json.headers["x-fake"]).toBe("1");
    expect(json.body).toEqual({ ok: true });

    const redirect = await client.get("/account").expect(303);
    expect(redirect.headers.location).toBe("/2fa");

    const head = await client.head("/2fa").expect(200);
    expect(head.headers["content-length"]).toBe(String(page.text.length));
    expect(head.text ?? "").toBe("");

    const headGuarded = await client.head("/account").expect(303);
    expect(headGuarded.headers.location).toBe("/2fa");
    expect(test.hits).toEqual([]);
  });

  it("passes requests outside the base path on untouched (no session needed)", async () => {
    const test = await app({ framework, sessions: "none" });
    const response = await test.client().get("/");
    expect(response.status).toBe(200);
    expect(response.text).toBe("home");
    expect(test.errors).toEqual([]);
  });

  for (const parseBodies of [false, true]) {
    const how = parseBodies ? "the app's body parser ran" : "the adapter reads the raw body";
    it(`reads form and JSON fields when ${how}, and refuses other types with 415`, async () => {
      const test = await app({ framework, parseBodies });
      const client = test.client();
      await client.post("/login").send({ user: "alice" }).expect(200);

      const form = await client.post("/2fa/echo").type("form").send("code=123456&_csrf=abc").expect(200);
      expect(form.body).toMatchObject({ ok: true, type: "form", fields: { code: "123456", _csrf: "abc" } });

      const json = await client.post("/2fa/echo").send({ code: "654321" }).expect(200);
      expect(json.body).toMatchObject({ ok: true, type: "json", fields: { code: "654321" } });

      const text = await client.post("/2fa/echo").type("text/plain").send("code=1");
      expect(text.status).toBe(415);
      expect(text.body.ok).toBe(false);
    });
  }

  it("changes the session id on regeneration and keeps the session's data", async () => {
    const test = await app({ framework });
    const client = test.client();
    const login = await client.post("/login").send({ user: "alice" }).expect(200);
    const before = sessionCookiesOf(login);
    expect(before).toBeDefined();

    const verified = await client.post("/2fa/verify").expect(303);
    const after = sessionCookiesOf(verified);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    // The login survived and the record came across: the guard passes on the new session.
    await client.get("/account").expect(200);

    // A replayed cookie is a session: the new one passes from another client, the old one is dead.
    await test
      .client()
      .get("/account")
      .set("Cookie", after ?? "")
      .expect(200);
    const replay = await test
      .client()
      .get("/account")
      .set("Cookie", before ?? "");
    expect(replay.status).toBe(303);
    expect(test.hits).toEqual(["GET /account", "GET /account"]);
  });

  it("answers 503 with Retry-After when the session store fails on load, never a pass", async () => {
    const test = await app({ framework });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    await client.post("/2fa/verify").expect(303);
    test.store.failing = "all";
    for (const path of ["/account", "/2fa"]) {
      const response = await client.get(path);
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.text).not.toMatch(/at .*\.(js|ts):\d+/);
    }
    expect(test.store.failures).toBeGreaterThan(0);
    expect(test.hits).toEqual([]);
    test.store.failing = false;
    await client.get("/account").expect(200);
  });

  it("answers 503 when regeneration fails, and leaves no half-written record behind", async () => {
    let failNext = false;
    let switchStore: (() => void) | undefined;
    const test = await app({
      framework,
      extra: {
        beforeRegenerate: () => {
          if (failNext) switchStore?.();
        },
      },
    });
    switchStore = () => {
      test.store.failing = "all";
    };
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    failNext = true;
    const response = await client.post("/2fa/verify");
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    test.store.failing = false;
    failNext = false;
    // The verified record the core wrote before the failure did not survive; the login did.
    expect((await client.get("/2fa")).text).toContain("challenge for alice");
    const after = await client.get("/account");
    expect(after.status).toBe(303);
    expect(test.hits).toEqual([]);
  });

  it("hands errors that are not outages to the app's error handlers (async paths included)", async () => {
    const test = await app({ framework });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    const response = await client.post("/2fa/boom");
    expect(response.status).toBe(500);
    expect(test.errors.map((e) => (e as Error).message)).toEqual(["boom (test)"]);
  });

  it("answers JSON clients with the core's 401", async () => {
    const test = await app({ framework });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    const response = await client.get("/api/me").set("Accept", "application/json").expect(401);
    expect(response.headers["www-authenticate"]).toContain("insufficient_user_authentication");
    expect(test.hits).toEqual([]);
  });
});

describe.each(["express5", "express4"] as const)("%s adapter with express-session", (framework) => {
  it("answers 503, not a pass, while express-session's store is disconnected", async () => {
    const test = await app({ framework });
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    await client.post("/2fa/verify").expect(303);
    await client.get("/account").expect(200);
    // express-session goes on without any session while its store says it is disconnected.
    test.store.announce?.("disconnect");
    const response = await client.get("/account");
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(test.hits).toEqual(["GET /account"]);
    test.store.announce?.("connect");
    await client.get("/account").expect(200);
  });
});
