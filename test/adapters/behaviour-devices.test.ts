// Behaviour suite, trusted devices (issue 16, DESIGN §4 rule 13): "don't ask again on this browser"
// on Express 5 and 4 and Koa 3 and 2, with the memory, Redis and PostgreSQL factor stores, through
// supertest, the real twilio SDK and the Verify emulator. A trusted device is a fresh 256-bit token of
// one user, stored hashed, that verifies a plain route only, never a locked account; a token of another
// user, tampered, expired or revoked is ignored and cleared; every factor change revokes them all.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { Pool } from "pg";
import type supertest from "supertest";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLimits, type Limits } from "../../src/limits/index.js";
import {
  createFactorStore,
  createMemoryFactorStore,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type FactorStore,
  migrate,
} from "../../src/stores/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { type PostgresServer, postgresSuiteRuns, startPostgresServer } from "../helpers/postgres-server.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient } from "../redis/support.js";
import {
  Browser,
  csrfOf,
  type FlowApp,
  type ScenarioOptions,
  sessionCookiesOf,
  startFlowApp,
} from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";
const BOB_PHONE = "+15017122662";
const COOKIE = "second_factor_trust";
const DAY = 86_400_000;
const SECRET = "devices-suite-secret-devices-suite-secret-0123";
const logger = { warn: () => undefined, error: () => undefined };

type StoreKind = "memory" | "redis" | "postgres";

let emu: VerifyEmulator;
let redis: { server: RedisServer; client: Redis } | undefined;
let postgres: { server: PostgresServer; pool: Pool } | undefined;
const running: FlowApp[] = [];

const STORES: StoreKind[] = [
  "memory",
  ...(redisSuiteRuns("trusted devices on Redis") ? (["redis"] as const) : []),
  ...(postgresSuiteRuns("trusted devices on PostgreSQL") ? (["postgres"] as const) : []),
];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  if (STORES.includes("redis")) {
    const server = await startRedisServer();
    redis = { server, client: await readyClient(server.url) };
  }
  if (STORES.includes("postgres")) {
    const server = await startPostgresServer();
    const pool = new Pool({ ...server.connection, ...FAIL_CLOSED_PG_POOL_OPTIONS, max: 10 });
    pool.on("error", () => undefined);
    await migrate(pool);
    postgres = { server, pool };
  }
}, 90_000);
afterAll(async () => {
  await emu?.close();
  redis?.client.disconnect();
  await redis?.server.close();
  await postgres?.pool.end();
  await postgres?.server.close();
});
beforeEach(() => emu.reset());
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

/** A factor store of `kind`, emptied of the demo users' factors and devices (the servers are shared). */
async function freshStore(kind: StoreKind): Promise<FactorStore> {
  if (kind === "memory") return createMemoryFactorStore();
  const store =
    kind === "redis"
      ? createFactorStore({ kind: "redis", client: redis?.client as Redis }, { logger })
      : createFactorStore({ kind: "postgres", pool: postgres?.pool as Pool }, { logger });
  for (const user of ["alice", "carol", "bob"]) {
    await store.revokeAllTrustedDevices(user);
    for (const factor of await store.listFactors(user)) await store.removeFactor(user, factor.id);
  }
  return store;
}

/** A store that counts the trusted-device lookups and can be made to fail them. */
function counting(store: FactorStore): FactorStore & { finds: number; failing: boolean } {
  const wrapped = Object.create(store) as FactorStore & { finds: number; failing: boolean };
  wrapped.finds = 0;
  wrapped.failing = false;
  const fail = () => Promise.reject(new Error("factor store down"));
  wrapped.findTrustedDevice = (...args) => {
    wrapped.finds += 1;
    return wrapped.failing ? fail() : store.findTrustedDevice(...args);
  };
  wrapped.addTrustedDevice = (...args) => (wrapped.failing ? fail() : store.addTrustedDevice(...args));
  return wrapped;
}

/** The trust cookie a response set (`value` empty and `cleared` when it clears it), or undefined. */
function trustCookieOf(
  response: supertest.Response,
  name = COOKIE,
): { value: string; header: string; cleared: boolean } | undefined {
  const raw = response.headers["set-cookie"] as unknown;
  const header = (Array.isArray(raw) ? (raw as string[]) : []).find((cookie) =>
    cookie.startsWith(`${name}=`),
  );
  if (header === undefined) return undefined;
  const value = header.slice(name.length + 1).split(";")[0] ?? "";
  return { value, header, cleared: /Max-Age=0/.test(header) };
}

/** Puts a cookie in a browser's jar, as if the server had set it (a copied or tampered token). */
function plant(browser: Browser, value: string, name = COOKIE): void {
  const jar = (
    browser.agent as unknown as { jar: { setCookie(cookie: string, domain: string, path: string): void } }
  ).jar;
  jar.setCookie(`${name}=${value}; Path=/`, "127.0.0.1", "/");
}

/** A new browser of `app` signed in as `user`, holding `token` as its trust cookie (copied, tampered...). */
async function holding(app: FlowApp, user: string, token: string): Promise<Browser> {
  const browser = new Browser(app);
  await browser.login(user);
  plant(browser, token);
  return browser;
}

describe.each(STORES)("trusted devices on the %s store", (storeKind) => {
  describe.each(FRAMEWORKS)("%s", (framework) => {
    async function start(
      options: ScenarioOptions = {},
    ): Promise<FlowApp & { factors: ReturnType<typeof counting>; limits: Limits }> {
      const factors = counting(await freshStore(storeKind));
      const limits = createLimits({ secret: SECRET });
      const app = await startFlowApp(framework, emu, { options: { factors, limits, ...options } });
      running.push(app);
      return Object.assign(app, { factors, limits });
    }

    /** Signs `user` in and passes the code sent to `phone`, ticking "remember" when told. */
    async function signInWithCode(browser: Browser, user: string, remember: boolean, phone = ALICE) {
      await browser.login(user);
      expect((await browser.get("/account")).headers.location).toBe("/2fa");
      expect((await browser.send()).status).toBe(303);
      const fields: Record<string, string> = { code: emu.lastCode(phone) ?? "", _csrf: await browser.csrf() };
      if (remember) fields.remember = "1";
      const verified = await browser.post("/2fa/verify", fields);
      expect(verified.status).toBe(303);
      expect(verified.headers.location).toBe("/account");
      return verified;
    }

    async function signOut(browser: Browser): Promise<void> {
      expect((await browser.agent.post("/logout")).status).toBe(200);
    }

    it("remember, sign out, sign in: no code, a new session id, method trusted_device; the token is fresh, hashed, and in no event, log or page", async () => {
      const app = await start();
      const browser = new Browser(app);
      const verified = await signInWithCode(browser, "alice", true);
      const cookie = trustCookieOf(verified);
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie?.header).toMatch(/; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax$/);
      const token = cookie?.value ?? "";
      const [device] = await app.factors.listTrustedDevices("alice", app.clock.now);
      expect(device?.tokenHash).toBe(createHash("sha256").update(token).digest("base64url"));
      expect(device?.label).toBe("Unknown browser");
      expect(device?.expiresAt).toBe(app.clock.now + 30 * DAY);
      expect(app.events.find((event) => event.type === "device.trusted")).toMatchObject({
        userId: "alice",
        deviceId: device?.id,
      });

      await signOut(browser);
      const login = await browser.login("alice");
      const passed = await browser.get("/account");
      expect(passed.status).toBe(200);
      expect(passed.text).toBe("protected GET /account");
      expect(sessionCookiesOf(passed)).toBeDefined();
      expect(sessionCookiesOf(passed)).not.toBe(sessionCookiesOf(login));
      expect(app.events.filter((event) => event.type === "verified").at(-1)).toMatchObject({
        userId: "alice",
        method: "trusted_device",
        methods: ["trusted_device"],
      });
      expect((await browser.get("/api/me", "application/json")).status).toBe(200);
      const status = await browser.get("/status", "application/json");
      expect(status.body.plain).toMatchObject({ verified: true, methods: ["trusted_device"] });

      // Passing a factor again with remember (the challenge page is open to a verified session too)
      // replaces this browser's device: a fresh token, one device.
      expect((await browser.send()).status).toBe(303);
      const again = await browser.post("/2fa/verify", {
        code: emu.lastCode(ALICE) ?? "",
        remember: "1",
        _csrf: await browser.csrf(),
      });
      expect(again.status).toBe(303);
      expect(trustCookieOf(again)?.value).not.toBe(token);
      expect(await app.factors.listTrustedDevices("alice", app.clock.now)).toHaveLength(1);

      const bodies = app.transcript.map((entry) => entry.split("\n").slice(2).join("\n"));
      for (const secret of [token, trustCookieOf(again)?.value ?? "x"]) {
        expect(JSON.stringify(app.events)).not.toContain(secret);
        expect(app.logs.join("\n")).not.toContain(secret);
        expect(bodies.join("\n")).not.toContain(secret);
      }
    });

    it("without remember no device is made and the next sign-in asks again", async () => {
      const app = await start();
      const browser = new Browser(app);
      expect(trustCookieOf(await signInWithCode(browser, "alice", false))).toBeUndefined();
      await signOut(browser);
      await browser.login("alice");
      expect((await browser.get("/account")).headers.location).toBe("/2fa");
      expect(await app.factors.listTrustedDevices("alice", app.clock.now)).toHaveLength(0);
    });

    it("a step-up route still asks for a factor; the settings page does not count a trusted device; the hot path reads no device", async () => {
      const app = await start();
      const browser = new Browser(app);
      await signInWithCode(browser, "alice", true);
      await signOut(browser);
      await browser.login("alice");
      const stepUp = await browser.post("/transfer");
      expect(stepUp.status).toBe(303);
      expect(stepUp.headers.location).toBe("/2fa");
      expect(trustCookieOf(stepUp)).toBeUndefined();
      expect(app.hits).not.toContain("POST /transfer");
      expect((await browser.get("/account")).status).toBe(200);
      const finds = app.factors.finds;
      expect((await browser.get("/account")).status).toBe(200);
      expect((await browser.get("/api/me", "application/json")).status).toBe(200);
      expect(app.factors.finds).toBe(finds);
      expect((await browser.post("/transfer")).headers.location).toBe("/2fa");
      const settings = await browser.get("/2fa/setup");
      expect(settings.status).toBe(302);
      expect(settings.headers.location).toBe("/2fa");
    });

    it("another user in the same browser is challenged, and the first user's cookie is cleared", async () => {
      const app = await start();
      const browser = new Browser(app);
      await signInWithCode(browser, "alice", true);
      await signOut(browser);
      await browser.login("carol");
      const refused = await browser.get("/account");
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)?.cleared).toBe(true);
      expect(app.hits).not.toContain("GET /account");
    });

    it("a copied cookie of alice does nothing for carol, and still works for alice", async () => {
      const app = await start();
      const token = trustCookieOf(await signInWithCode(new Browser(app), "alice", true))?.value ?? "";
      const carol = await holding(app, "carol", token);
      const refused = await carol.get("/account");
      expect(refused.status).toBe(302);
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)?.cleared).toBe(true);
      const json = await holding(app, "carol", token);
      const api = await json.get("/api/me", "application/json");
      expect(api.status).toBe(401);
      expect(trustCookieOf(api)?.cleared).toBe(true);

      const alice = await holding(app, "alice", token);
      expect((await alice.get("/account")).status).toBe(200);
    });

    it("tampered and malformed tokens are ignored and cleared", async () => {
      const app = await start();
      const token = trustCookieOf(await signInWithCode(new Browser(app), "alice", true))?.value ?? "";
      const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
      for (const bad of [flipped, "not-a-token", `${token}x`]) {
        const browser = await holding(app, "alice", bad);
        const refused = await browser.get("/account");
        expect(refused.headers.location).toBe("/2fa");
        expect(trustCookieOf(refused)?.cleared).toBe(true);
      }
      expect(app.hits).not.toContain("GET /account");
    });

    it("an expired device is ignored and cleared; last used is written at most hourly", async () => {
      const app = await start();
      const token = trustCookieOf(await signInWithCode(new Browser(app), "alice", true))?.value ?? "";
      const created = app.clock.now;
      const use = async () => {
        const browser = await holding(app, "alice", token);
        return browser.get("/account");
      };
      app.clock.advance(30 * 60_000);
      expect((await use()).status).toBe(200);
      expect((await app.factors.listTrustedDevices("alice", app.clock.now))[0]?.lastUsedAt).toBe(created);
      app.clock.advance(31 * 60_000);
      expect((await use()).status).toBe(200);
      expect((await app.factors.listTrustedDevices("alice", app.clock.now))[0]?.lastUsedAt).toBe(
        app.clock.now,
      );
      app.clock.now = created + 30 * DAY + 1;
      const refused = await use();
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)?.cleared).toBe(true);
    });

    it("the settings page lists the device (this browser) and revokes it; a revoked token is ignored and cleared", async () => {
      const app = await start();
      const other = new Browser(app);
      const otherToken = trustCookieOf(await signInWithCode(other, "alice", true))?.value ?? "";
      const browser = new Browser(app);
      const token = trustCookieOf(await signInWithCode(browser, "alice", true))?.value ?? "";
      const page = await browser.get("/2fa/setup");
      expect(page.status).toBe(200);
      const devices = await app.factors.listTrustedDevices("alice", app.clock.now);
      expect(devices).toHaveLength(2);
      const mine = devices.find(
        (device) => device.tokenHash === createHash("sha256").update(token).digest("base64url"),
      );
      expect(page.text).toContain(`<input type="hidden" name="device" value="${mine?.id}">`);
      expect(page.text).toContain('<input type="hidden" name="device" value="all">');
      expect(page.text).toMatch(/<form method="post" action="\/2fa\/setup\/devices\/revoke">/);
      expect(page.text).toMatch(/Unknown browser <strong>\(this browser\)<\/strong>/);
      expect(page.text.match(/\(this browser\)/g)).toHaveLength(1);
      expect(page.text).not.toContain(token);
      expect(page.text).not.toContain(mine?.tokenHash);

      const unknown = await browser.post("/2fa/setup/devices/revoke", {
        device: "nope",
        _csrf: csrfOf(page.text),
      });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toContain('id="sf-device-error"');
      const noCsrf = await browser.post("/2fa/setup/devices/revoke", { device: mine?.id ?? "" });
      expect(noCsrf.status).toBe(403);

      const revoked = await browser.post("/2fa/setup/devices/revoke", {
        device: mine?.id ?? "",
        _csrf: csrfOf(page.text),
      });
      expect(revoked.status).toBe(303);
      expect(revoked.headers.location).toBe("/2fa/setup");
      expect(trustCookieOf(revoked)?.cleared).toBe(true);
      expect(app.events.find((event) => event.type === "device.revoked")).toMatchObject({
        userId: "alice",
        deviceId: mine?.id,
        count: 1,
        reason: "user",
      });
      const copy = await holding(app, "alice", token);
      const refused = await copy.get("/account");
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)?.cleared).toBe(true);

      // The other browser's device stays until "revoke all".
      const still = await holding(app, "alice", otherToken);
      expect((await still.get("/account")).status).toBe(200);
      const all = await browser.post("/2fa/setup/devices/revoke", {
        device: "all",
        _csrf: csrfOf(page.text),
      });
      expect(all.status).toBe(303);
      expect(app.events.filter((event) => event.type === "device.revoked").at(-1)).toMatchObject({
        deviceId: "all",
        count: 1,
      });
      await signOut(still);
      await still.login("alice");
      expect((await still.get("/account")).headers.location).toBe("/2fa");
    });

    it("in JSON: the settings list the devices without token or hash, and revoke answers 200 and clears this browser's cookie", async () => {
      const app = await start();
      const browser = new Browser(app);
      const token = trustCookieOf(await signInWithCode(browser, "alice", true))?.value ?? "";
      const settings = await browser.get("/2fa/setup", "application/json");
      expect(settings.status).toBe(200);
      const rows = settings.body.trustedDevices.rows as { device: string; thisBrowser: boolean }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ label: "Unknown browser", thisBrowser: true });
      expect(Object.keys(rows[0] ?? {}).sort()).toEqual(
        ["createdAt", "device", "expiresAt", "label", "lastUsedAt", "thisBrowser"].sort(),
      );
      expect(JSON.stringify(settings.body)).not.toContain(token);
      const bad = await browser
        .json("post", "/2fa/setup/devices/revoke", { device: 42 })
        .set("x-csrf-token", settings.body.csrfToken);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: "invalid_device", field: "device" });
      const revoked = await browser
        .json("post", "/2fa/setup/devices/revoke", { device: rows[0]?.device })
        .set("x-csrf-token", settings.body.csrfToken);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ revoked: true, count: 1 });
      expect(trustCookieOf(revoked)?.cleared).toBe(true);
      expect(await app.factors.listTrustedDevices("alice", app.clock.now)).toHaveLength(0);
    });

    it("bob's first factor's code page offers remember; adding a second phone (a factor change) revokes every device", async () => {
      const app = await start();
      const browser = new Browser(app);
      await browser.login("bob");
      const settings = await browser.get("/2fa/setup");
      const token = csrfOf(settings.text);
      await browser.post("/2fa/setup/phone", { phone: BOB_PHONE, channel: "sms", _csrf: token });
      const codePage = await browser.get("/2fa/setup/phone");
      expect(codePage.text).toContain('<input type="checkbox" id="sf-remember" name="remember" value="1">');
      const enrolled = await browser.post("/2fa/setup/phone/verify", {
        code: emu.lastCode(BOB_PHONE) ?? "",
        remember: "1",
        _csrf: token,
      });
      expect(enrolled.status).toBe(303);
      const trust = trustCookieOf(enrolled)?.value ?? "";
      expect(trust).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await signOut(browser);
      await browser.login("bob");
      expect((await browser.get("/account")).status).toBe(200);

      // A second phone: bob passes by code again (rule 11), then adds it; the code page is not the first factor's.
      await signOut(browser);
      const fresh = new Browser(app);
      await fresh.login("bob");
      expect((await fresh.send()).status).toBe(303);
      expect((await fresh.verify(emu.lastCode(BOB_PHONE) ?? "")).status).toBe(303);
      const page = await fresh.get("/2fa/setup");
      const csrf = csrfOf(page.text);
      await fresh.post("/2fa/setup/phone", { phone: "+12025550199", channel: "sms", _csrf: csrf });
      expect((await fresh.get("/2fa/setup/phone")).text).not.toContain('name="remember"');
      const added = await fresh.post("/2fa/setup/phone/verify", {
        code: emu.lastCode("+12025550199") ?? "",
        _csrf: csrf,
      });
      expect(added.status).toBe(303);
      expect(app.events.find((event) => event.type === "device.revoked")).toMatchObject({
        userId: "bob",
        deviceId: "all",
        count: 1,
        reason: "factor_changed",
      });
      await browser.login("bob");
      plant(browser, trust);
      const refused = await browser.get("/account");
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)?.cleared).toBe(true);
    });

    it("a locked account is challenged despite a valid device, which is kept; after unlock it passes", async () => {
      const app = await start();
      const token = trustCookieOf(await signInWithCode(new Browser(app), "alice", true))?.value ?? "";
      for (let failure = 0; failure < 10; failure += 1) await app.limits.recordWrongCode("alice");
      expect((await app.limits.lockStatus("alice")).locked).toBe(true);
      const browser = await holding(app, "alice", token);
      const refused = await browser.get("/account");
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)).toBeUndefined();
      await app.unlock("alice");
      expect((await browser.get("/account")).status).toBe(200);
    });

    it("a failing factor store: remember verifies without a cookie; at the guard the user is challenged and the cookie kept", async () => {
      const app = await start();
      const token = trustCookieOf(await signInWithCode(new Browser(app), "alice", true))?.value ?? "";
      app.factors.failing = true;
      const browser = await holding(app, "alice", token);
      const refused = await browser.get("/account");
      expect(refused.headers.location).toBe("/2fa");
      expect(trustCookieOf(refused)).toBeUndefined();
      const verified = await signInWithCode(new Browser(app), "alice", true);
      expect(trustCookieOf(verified)).toBeUndefined();
      expect(app.logs.join("\n")).toContain("failed to trust this device");
      app.factors.failing = false;
      expect((await browser.get("/account")).status).toBe(200);
    });
  });
});

describe.each(FRAMEWORKS)("%s: trusted-device options", (framework) => {
  it("trustFor and trustedDevices set the cookie's life, name and path", async () => {
    const app = await startFlowApp(framework, emu, {
      options: {
        factors: createMemoryFactorStore(),
        trustFor: "2d",
        trustedDevices: { cookieName: "trust", cookiePath: "/" },
      },
    });
    running.push(app);
    const browser = new Browser(app);
    await browser.login("alice");
    await browser.send();
    const verified = await browser.post("/2fa/verify", {
      code: emu.lastCode(ALICE) ?? "",
      remember: "1",
      _csrf: await browser.csrf(),
    });
    expect(trustCookieOf(verified, "trust")?.header).toMatch(
      /; Path=\/; Max-Age=172800; HttpOnly; SameSite=Lax$/,
    );
    await browser.agent.post("/logout");
    await browser.login("alice");
    expect((await browser.get("/account")).status).toBe(200);
  });
});
