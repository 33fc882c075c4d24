// What the Redis store writes: every key under the prefix, every key with a TTL within its documented
// window, and no session id, user id, phone number, e-mail address or IP in any key or value (all are
// keyed by HMAC with the server secret, DESIGN §8).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisSessionStore } from "../../adapters/koa/redis-session-store.js";
import { createLimits } from "../../src/limits/index.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient, scanAll } from "./support.js";

const SUITE = "keys and values in Redis";
const secret = "keys-test-secret-0123456789abcdef0123456";

const PHONE = "+15017122661";
const EMAIL = "Alice.Example@Example.com";
const USER_ID = "user-alice-7f3a";
const SESSION_KEY = "sess-4c1d9e2b8a";
const IP = "198.51.100.23";
const MARKER = "approval:VE0123456789abcdef0123456789abcdef";
const KOA_SESSION_ID = "koa-session-id-b7e2c9";

/** The longest TTL each kind of key may have, in seconds, by the part of the key after the prefix. */
const WINDOWS: readonly [RegExp, number][] = [
  [/^app:send:(session|user|destination|ip):[A-Za-z0-9_-]{43}$/, 600],
  [/^app:check:(session|user|destination|ip):[A-Za-z0-9_-]{43}$/, 900],
  [/^app:lock:[A-Za-z0-9_-]{43}$/, 86_400 + 900],
  [/^app:once:[A-Za-z0-9_-]{43}$/, 120],
  [/^app:sess:[A-Za-z0-9_-]{43}$/, 3600 + 10],
];

describe.runIf(redisSuiteRuns(SUITE))(SUITE, () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await readyClient(server.url);
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  it("writes only prefixed keys with a TTL, and nothing identifying in clear", async () => {
    const limits = createLimits({ secret, keyPrefix: "app", store: { kind: "redis", client } });
    const sessions = redisSessionStore(client, { prefix: "app:sess:" });
    const phoneKeys = { sessionKey: SESSION_KEY, userId: USER_ID, destination: PHONE, ip: IP };
    const emailKeys = { ...phoneKeys, destination: EMAIL, ip: "2001:db8:5:6::42" };
    await limits.consumeSend(phoneKeys);
    await limits.consumeSend(emailKeys);
    await limits.consumeCheck(phoneKeys);
    for (let wrong = 0; wrong < 10; wrong += 1) await limits.recordWrongCode(USER_ID);
    expect(await limits.lockStatus(USER_ID)).toMatchObject({ locked: true });
    expect(await limits.claimOnce(MARKER, 120_000)).toBe(true);
    expect(await limits.claimOnce(`send:${SESSION_KEY}`, 30_000)).toBe(true);
    await sessions.set(KOA_SESSION_ID, { userId: USER_ID, note: "kept by the app" }, 3_600_000);

    const keys = await scanAll(client);
    expect(keys.length).toBeGreaterThanOrEqual(12);
    const secrets = [PHONE, PHONE.slice(1), "5017122661", EMAIL, EMAIL.toLowerCase(), USER_ID, SESSION_KEY];
    secrets.push(IP, "2001:db8:5:6", MARKER, "VE0123456789abcdef", KOA_SESSION_ID);
    for (const key of keys) {
      expect(key.startsWith("app:"), key).toBe(true);
      const window = WINDOWS.find(([pattern]) => pattern.test(key));
      expect(window, `${key} is not a documented key`).toBeDefined();
      const ttl = await client.ttl(key);
      expect(ttl, `${key} has no TTL`).toBeGreaterThan(0);
      expect(ttl, `${key} outlives its window`).toBeLessThanOrEqual(window?.[1] ?? 0);
      const value = (await client.get(key)) ?? "";
      for (const secretText of secrets) {
        expect(key.includes(secretText), `${key} contains ${secretText}`).toBe(false);
        if (!key.startsWith("app:sess:") || secretText !== USER_ID) {
          expect(value.includes(secretText), `the value of ${key} contains ${secretText}`).toBe(false);
        }
      }
    }
    // The lock key lives 24 hours after the lock's end (forgetAfterSeconds), as docs/scaling.md says.
    const lockKey = keys.find((key) => key.startsWith("app:lock:")) ?? "";
    expect(await client.ttl(lockKey)).toBeGreaterThan(86_400 + 900 - 5);
    // One counter per scope and operation (the e-mail send shares the session and user counters), and
    // a marker per claim.
    expect(keys.filter((key) => key.startsWith("app:send:"))).toHaveLength(4 + 2);
    expect(keys.filter((key) => key.startsWith("app:check:"))).toHaveLength(4);
    expect(keys.filter((key) => key.startsWith("app:once:"))).toHaveLength(2);
  });

  it("stores the lockout state and markers as plain numbers with their expiry", async () => {
    const time = { now: Date.UTC(2030, 0, 1) };
    const limits = createLimits({
      secret,
      keyPrefix: "shape",
      now: () => time.now,
      store: { kind: "redis", client },
    });
    await limits.recordWrongCode(USER_ID);
    await limits.claimOnce(MARKER, 60_000);
    const [lockKey] = await scanAll(client, "shape:lock:*");
    const [onceKey] = await scanAll(client, "shape:once:*");
    const forgetAt = time.now + 86_400_000;
    expect(await client.get(lockKey ?? "")).toBe(`${forgetAt}|[1,1,0,0,${forgetAt}]`);
    expect(await client.get(onceKey ?? "")).toBe(`${time.now + 60_000}|1`);
  });
});
