/**
 * The examples with REDIS_URL on a real redis-server: two instances sharing SESSION_SECRET and Redis
 * share sessions, the sign-in throttle and the enrolled factors, and a Redis outage answers 503 (never
 * 500, never a pass) until Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_USERNAME } from "../../examples/shared/login-throttle.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { csrfOf, EXAMPLES, type RunningApp, signInVerified, startApp } from "./helpers.js";

describe.runIf(redisSuiteRuns("the examples on Redis"))("the examples on Redis", () => {
  let redis: RedisServer;
  let emulator: VerifyEmulator;

  beforeAll(async () => {
    redis = await startRedisServer();
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
    await redis?.close();
  });

  describe.each(EXAMPLES)("two %s instances", (name) => {
    let first: RunningApp;
    let second: RunningApp;

    beforeAll(async () => {
      const env = {
        SESSION_SECRET: `shared-secret-of-the-${name}-instances`,
        REDIS_URL: redis.url,
        TWILIO_VERIFY_EMULATOR_URL: emulator.url,
      };
      first = await startApp(name, { env, emulator });
      second = await startApp(name, { env, emulator });
    });
    afterAll(async () => {
      expect([...(first?.unexpected ?? []), ...(second?.unexpected ?? [])]).toEqual([]);
      await first?.close();
      await second?.close();
    });

    it("share sessions: verified on one, verified on the other; signed out on one, out on both", async () => {
      const client = first.client();
      await signInVerified(first, client);
      const cookie = (await client.get("/account")).request.cookies;
      const other = second.client();
      const account = await other.get("/account").set("Cookie", cookie);
      expect(account.status).toBe(200);
      expect(account.text).toContain("Your account");

      const home = await client.get("/");
      expect(
        (
          await client
            .post("/logout")
            .type("form")
            .send({ _csrf: csrfOf(home.text, "/logout") })
        ).status,
      ).toBe(303);
      const after = await second.client().get("/account").set("Cookie", cookie);
      expect(after.status).toBe(302);
      expect(after.headers.location).toMatch(/^\/login/);
    });

    it("keep enrolled factors in the same Redis: alice's phone once, whichever instance reads it", async () => {
      expect(first.prepared.setup.factorBackend).toEqual({ kind: "redis", url: redis.url });
      for (const app of [first, second]) {
        const phones = (await app.prepared.setup.factors.listFactors("usr_1001")).map(
          (factor) => factor.kind === "phone" && factor.destination,
        );
        expect(phones).toEqual(["+15017122661"]);
      }
      const [fromFirst] = await first.prepared.setup.factors.listFactors("usr_1002");
      const [fromSecond] = await second.prepared.setup.factors.listFactors("usr_1002");
      expect(fromFirst?.id).toBeDefined();
      expect(fromSecond?.id).toBe(fromFirst?.id);
    });

    it("share the count of wrong passwords", async () => {
      const username = `guess-${name}`;
      for (let attempt = 0; attempt < LOGIN_FAILURES_PER_USERNAME; attempt += 1) {
        const app = attempt % 2 === 0 ? first : second;
        const client = app.client();
        const page = await client.get("/login");
        const wrong = await client
          .post("/login")
          .type("form")
          .send({ _csrf: csrfOf(page.text, "/login"), username, password: `wrong-${attempt}` });
        expect(wrong.status).toBe(401);
      }
      const client = first.client();
      const page = await client.get("/login");
      const blocked = await client
        .post("/login")
        .type("form")
        .send({ _csrf: csrfOf(page.text, "/login"), username, password: "anything" });
      expect(blocked.status).toBe(429);
    });

    it("answer 503 with Retry-After while Redis is down, and serve again when it is back", async () => {
      const client = first.client();
      await signInVerified(first, client);
      await redis.stop();
      try {
        for (const path of ["/", "/login", "/account"]) {
          const answer = await client.get(path);
          expect(answer.status, path).toBe(503);
          expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
        }
        const json = await client.get("/api/me").set("Accept", "application/json");
        expect(json.status).toBe(503);
      } finally {
        await redis.restart();
      }
      // ioredis reconnects by itself; the sessions died with that Redis, so /account now asks to sign in.
      await expect
        .poll(async () => (await client.get("/account")).status, { timeout: 10_000, interval: 250 })
        .toBe(302);
    });
  });
});
