// The Redis factor store passes the conformance suite on a real redis-server, keeps every key of an
// account in one Cluster slot, ignores a passkey claim that names no passkey, and fails closed (rule 8):
// with Redis stopped every method rejects with ERR_SF_STORE_UNAVAILABLE, and it works again once Redis is back.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFactorStore, type FactorStore } from "../../src/stores/index.js";
import { factorStoreConformance } from "../../testing/index.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { eventually, readyClient, scanAll } from "../redis/support.js";
import { expectEveryCallFailsClosed, seedPhone } from "./store-calls.js";

const SUITE = "the Redis factor store";
const logger = { warn: () => undefined, error: () => undefined };

describe.runIf(redisSuiteRuns(SUITE))(SUITE, () => {
  let server: RedisServer;
  let client: Redis;
  let store: FactorStore;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await readyClient(server.url);
    store = createFactorStore({ kind: "redis", client }, { logger });
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  describe("conformance", () => {
    factorStoreConformance({ makeStore: () => store, test: it });
  });

  it("puts every key of one account in one Cluster slot (one hash tag), and a user id's braces cannot move it", async () => {
    const userId = "we{ird}user";
    await store.addFactor(userId, {
      kind: "phone",
      name: "Phone",
      destination: "+15017122661",
      verifiedAt: 1,
      createdAt: 1,
    });
    await store.replaceRecoveryCodes(userId, ["h1"], 1);
    await store.addTrustedDevice(userId, {
      tokenHash: "t",
      label: "x",
      createdAt: 1,
      lastUsedAt: 1,
      expiresAt: 9e12,
    });
    const tag = `{u:${Buffer.from(userId).toString("base64url")}}`;
    const keys = (await scanAll(client, "sf:f*")).filter((key) => key.includes(tag));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    // Redis Cluster hashes only the part between the first "{" and the next "}": one tag, one slot.
    for (const key of keys) expect(key.match(/\{[^}]*\}/)?.[0]).toBe(tag);
  });

  it("a passkey claim left by a failed add names no passkey: it is never an answer, and is taken over once stale", async () => {
    const credentialId = "c3RhbGUtY2xhaW0";
    const ghost = Buffer.from("ghost").toString("base64url");
    await client.set(`sf:passkey:{${credentialId}}`, `${ghost}:no-such-factor:${Date.now()}`);
    expect(await store.findPasskey(credentialId)).toBeUndefined();
    const key = {
      kind: "passkey" as const,
      name: "Key",
      credentialId,
      publicKey: "cGs",
      counter: 0,
      transports: [],
      backedUp: true,
      createdAt: 1,
    };
    // A fresh claim may be an add still under way: refused for now.
    expect(await store.addFactor("heir", key)).toEqual({ status: "credential_in_use" });
    await client.set(`sf:passkey:{${credentialId}}`, `${ghost}:no-such-factor:${Date.now() - 60_000}`);
    const result = await store.addFactor("heir", key);
    expect(result.status).toBe("added");
    expect((await store.findPasskey(credentialId))?.userId).toBe("heir");
  });

  it("refuses to work on a Redis that may evict keys (factors are account data), naming the fix", async () => {
    const fresh = createFactorStore({ kind: "redis", client }, { logger });
    await client.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    try {
      await expect(fresh.listFactors("u1")).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining("maxmemory-policy noeviction"),
      });
    } finally {
      await client.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
    expect(await fresh.listFactors("u1")).toEqual([]);
  });

  it("fails closed while Redis is down, and works again once it is back", async () => {
    await seedPhone(store, "outage-user");
    await server.stop();
    await expectEveryCallFailsClosed(store, "outage-user");
    await server.restart();
    await eventually(async () => (await store.listFactors("outage-user")).length === 0, 5000);
  });
});
