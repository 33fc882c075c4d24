// The koa-session store on the app's ioredis client: sessions shared by every instance, keyed by a
// hash of the session id, each with a TTL; when Redis fails, a guarded page answers 503 with
// Retry-After (rule 8), never lets a session through, and works again once Redis is back.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import Koa from "koa";
import koaSession from "koa-session";
import supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secondFactor } from "../../adapters/koa/index.js";
import { type RedisSessionStore, redisSessionStore } from "../../adapters/koa/redis-session-store.js";
import type { VerificationProvider } from "../../src/index.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { eventually, readyClient, scanAll, uniquePrefix } from "./support.js";

const SUITE = "the koa-session store on Redis";

/** A provider the guard never needs: these tests do not send or check codes. */
const unusedProvider: VerificationProvider = {
  name: "unused",
  start: () => Promise.reject(new Error("not used")),
  check: () => Promise.reject(new Error("not used")),
  cancel: () => Promise.reject(new Error("not used")),
};

/** A Koa app as the docs wire it: session errors handled, koa-session on the Redis store, a guarded page. */
function koaApp(client: Redis, prefix: string): { app: Koa; hits: string[] } {
  const app = new Koa();
  app.keys = ["koa-store-test-key-0123456789abcdef"];
  const hits: string[] = [];
  const mfa = secondFactor({
    provider: unusedProvider,
    user: (ctx) => {
      const id = (ctx.session as { userId?: unknown } | null)?.userId;
      return typeof id === "string" ? { id, phone: "+15017122661" } : null;
    },
    secret: "koa-store-test-secret-0123456789abcdef",
    limits: { store: { kind: "redis", client }, keyPrefix: prefix },
  });
  app.use(mfa.sessionErrorHandler());
  app.use(koaSession({ key: "sid", store: redisSessionStore(client, { prefix: `${prefix}:sess:` }) }, app));
  app.use(mfa.routes());
  const guard = mfa.requireSecondFactor();
  app.use(async (ctx, next) => {
    if (ctx.path === "/login" && ctx.method === "POST") {
      (ctx.session as { userId?: string }).userId = "alice";
      ctx.body = "signed in";
      return;
    }
    if (ctx.path === "/whoami") {
      ctx.body = String((ctx.session as { userId?: unknown } | null)?.userId ?? "nobody");
      return;
    }
    if (ctx.path === "/account") {
      await guard(ctx, async () => {
        hits.push(ctx.path);
        ctx.body = "account";
      });
      return;
    }
    await next();
  });
  return { app, hits };
}

async function listen(app: Koa): Promise<{ url: string; server: Server }> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.runIf(redisSuiteRuns(SUITE))(SUITE, () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = await readyClient(redis.url);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  describe("the store", () => {
    let store: RedisSessionStore;
    let prefix: string;

    beforeAll(() => {
      prefix = `${uniquePrefix()}:`;
      store = redisSessionStore(client, { prefix, sessionTtlMs: 60_000 });
    });

    it("keeps a session under a hash of its id, for koa-session's maxAge", async () => {
      await store.set("session-id-1", { userId: "alice", n: 1 }, 5_000, {});
      expect(await store.get("session-id-1", 5_000, {})).toEqual({ userId: "alice", n: 1 });
      const hashed = `${prefix}${createHash("sha256").update("session-id-1").digest("base64url")}`;
      expect(await scanAll(client, `${prefix}*`)).toEqual([hashed]);
      const ttl = await client.pttl(hashed);
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
      await store.destroy("session-id-1", {});
      expect(await store.get("session-id-1", 5_000, {})).toBeUndefined();
    });

    it("gives a browser-session cookie (maxAge 'session') the configured TTL", async () => {
      await store.set("session-id-2", { userId: "carol" }, "session", {});
      const [key] = await scanAll(client, `${prefix}*`);
      const ttl = await client.pttl(key ?? "");
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it("reads an entry that is not a JSON object as no session, never as a session", async () => {
      const key = (id: string) => `${prefix}${createHash("sha256").update(id).digest("base64url")}`;
      await client.set(key("broken"), "{not json", "PX", 10_000);
      await client.set(key("array"), "[1,2]", "PX", 10_000);
      expect(await store.get("broken", 1000, {})).toBeUndefined();
      expect(await store.get("array", 1000, {})).toBeUndefined();
    });

    it("refuses a session that is not an object, and an empty id", async () => {
      await expect(store.set("x", "text", 1000, {})).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
      await expect(store.get("", 1000, {})).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    });
  });

  it("shares sessions between two instances, each with its own client", async () => {
    const prefix = uniquePrefix();
    const other = await readyClient(redis.url);
    const first = await listen(koaApp(client, prefix).app);
    const second = await listen(koaApp(other, prefix).app);
    try {
      const login = await supertest(first.url).post("/login");
      const cookies = (login.headers["set-cookie"] as unknown as string[]).map(
        (cookie) => cookie.split(";")[0],
      );
      const whoami = await supertest(second.url).get("/whoami").set("Cookie", cookies.join("; "));
      expect(whoami.text).toBe("alice");
    } finally {
      first.server.close();
      second.server.close();
      other.disconnect();
    }
  });

  it("answers 503 with Retry-After while Redis is down, lets nothing through, and recovers", async () => {
    const { app, hits } = koaApp(client, uniquePrefix());
    const { url, server } = await listen(app);
    try {
      const agent = supertest.agent(url);
      await agent.post("/login").expect(200);
      // Logged in but not verified: the guard sends the browser to the challenge.
      const challenged = await agent.get("/account");
      expect(challenged.status).toBe(302);
      expect(challenged.headers.location).toMatch(/^\/2fa/);
      await redis.stop();
      const started = performance.now();
      const down = await agent.get("/account");
      expect(performance.now() - started).toBeLessThan(5000);
      expect(down.status).toBe(503);
      expect(down.headers["retry-after"]).toMatch(/^\d+$/);
      expect(hits).toEqual([]);
      await redis.restart();
      // Redis came back empty (no persistence in the tests): the session is gone, so the guard asks
      // for a login; what matters is that the answer is no longer 503.
      const recovered = await eventually(async () => (await agent.get("/account")).status !== 503, 3000);
      expect(recovered).toBeLessThan(3000);
      expect(hits).toEqual([]);
    } finally {
      server.close();
    }
  });
});
