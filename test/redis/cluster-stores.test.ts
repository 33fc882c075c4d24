// On a real Redis Cluster (three masters), through an ioredis Cluster made with
// FAIL_CLOSED_REDIS_CLUSTER_OPTIONS: the limits pass their conformance suite, three instances share
// every budget, lock and marker as on one server, the factor store passes its conformance suite, and
// rule 8 holds when a shard goes down: every call whose keys live there rejects with
// ERR_SF_STORE_UNAVAILABLE at once, everything does once the cluster marks the shard failed, and
// service resumes by itself when the shard returns.
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLimits, type Limits, type RedisClientLike } from "../../src/limits/index.js";
import { createFactorStore, type FactorStore } from "../../src/stores/index.js";
import { factorStoreConformance } from "../../testing/index.js";
import { describeLimitsConformance } from "../helpers/limits-conformance.js";
import { describeSharedLimits } from "../helpers/limits-shared-scenarios.js";
import { type RedisCluster, redisClusterSuiteRuns, startRedisCluster } from "../helpers/redis-cluster.js";
import { everyStoreCall, seedPhone } from "../stores/store-calls.js";
import { eventually, uniquePrefix } from "./support.js";

const SUITE = "the stores on a Redis Cluster";
const secret = "cluster-test-secret-0123456789abcdef0123";
const logger = { warn: () => undefined, error: () => undefined };
/** What DESIGN §4 rule 8 asks: an answer within a few seconds, whatever Redis does. */
const ANSWER_WITHIN_MS = 5000;
/** A shard that returns is gossiped healthy within about a second; then service resumes by itself. */
const RECOVER_WITHIN_MS = 6000;

/** Runs `call`, expecting it to fail closed (503, Retry-After) in time. */
async function expectFailsClosed(label: string, call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const outcome = await call().then(
    (value) => ({ passed: true as const, value }),
    (error: unknown) => ({ passed: false as const, error }),
  );
  const elapsed = performance.now() - started;
  expect(outcome.passed, `${label} resolved with ${JSON.stringify(outcome)}`).toBe(false);
  if (!outcome.passed) {
    expect(outcome.error, label).toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
      headers: { "Retry-After": "5" },
    });
  }
  expect(elapsed, `${label} took ${elapsed} ms`).toBeLessThan(ANSWER_WITHIN_MS);
}

/** Every operation of the limits that touches the store, for users and markers on every shard. */
function everyLimitsCall(limits: Limits): Record<string, () => Promise<unknown>> {
  const calls: Record<string, () => Promise<unknown>> = {};
  for (let index = 0; index < 6; index += 1) {
    const keys = {
      sessionKey: `session-${index}`,
      userId: `user-${index}`,
      destination: `+1501712266${index}`,
      ip: `198.51.100.${index}`,
    };
    calls[`consumeSend ${index}`] = () => limits.consumeSend(keys);
    calls[`consumeCheck ${index}`] = () => limits.consumeCheck(keys);
    calls[`reserveCheck ${index}`] = () => limits.reserveCheck(keys.userId, 30_000);
    calls[`recordWrongCode ${index}`] = () => limits.recordWrongCode(keys.userId);
    calls[`claimOnce ${index}`] = () => limits.claimOnce(`approval:VE${index}`, 60_000);
  }
  return calls;
}

describe.runIf(redisClusterSuiteRuns(SUITE))(SUITE, () => {
  let cluster: RedisCluster;
  const clients: Cluster[] = [];
  let store: FactorStore;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    for (let index = 0; index < 3; index += 1) clients.push(await cluster.client());
    store = createFactorStore({ kind: "redis", client: clients[0] as Cluster }, { logger });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  describe("limits conformance", () => {
    describeLimitsConformance("redis cluster", {
      make: (options = {}) =>
        createLimits({
          secret,
          keyPrefix: uniquePrefix(),
          ...options,
          store: { kind: "redis", client: clients[0] as RedisClientLike },
        }),
    });
  });

  describe("three instances on one cluster", () => {
    describeSharedLimits(() => clients);
  });

  describe("factor store conformance", () => {
    factorStoreConformance({ makeStore: () => store, test: it });
  });

  it("refuses a cluster whose masters may evict keys, asking every master", async () => {
    const limits = createLimits({
      secret,
      keyPrefix: uniquePrefix(),
      store: { kind: "redis", client: clients[1] as Cluster },
    });
    const last = cluster.masters[2];
    if (last === undefined) throw new Error("no third master");
    const admin = await cluster.client();
    const node = admin.nodes("master").find((master) => master.options.port === last.port);
    if (node === undefined) throw new Error("the third master is not connected");
    await node.config("SET", "maxmemory-policy", "allkeys-lru");
    try {
      await expect(limits.claimOnce("evict", 1000)).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining("maxmemory-policy allkeys-lru"),
      });
    } finally {
      await node.config("SET", "maxmemory-policy", "noeviction");
    }
    expect(await limits.claimOnce("evict", 1000)).toBe(true);
  });

  it("fails closed when a shard goes down, at once for its keys and everywhere once it is marked failed, and recovers", async () => {
    const limits = createLimits({
      secret,
      keyPrefix: uniquePrefix(),
      store: { kind: "redis", client: clients[2] as Cluster },
    });
    const userId = "shard-down-user";
    await seedPhone(store, userId);
    for (const call of Object.values(everyLimitsCall(limits))) await call();
    const shard = await cluster.masterOf(`sf:f{u:${Buffer.from(userId).toString("base64url")}}:factors`);
    await shard.stop();
    try {
      // The cluster still says "ok": only the keys on the stopped master fail, and they fail at once.
      for (const [name, call] of Object.entries(everyStoreCall(store, userId))) {
        await expectFailsClosed(`factor store ${name} (shard down)`, call);
      }
      // Once the others mark it failed, the cluster refuses every key (cluster-require-full-coverage).
      await cluster.waitUntilDown();
      for (const [name, call] of Object.entries(everyLimitsCall(limits))) {
        await expectFailsClosed(`limits ${name} (cluster down)`, call);
      }
      await expectFailsClosed("factor store listFactors (cluster down)", () =>
        store.listFactors("other-user"),
      );
    } finally {
      await shard.restart();
    }
    await cluster.waitUntilHealthy();
    // Each node connection comes back on first use: every call, on every shard, must work again.
    const back = await eventually(async () => {
      for (const call of Object.values(everyLimitsCall(limits))) await call();
      await store.listFactors(userId);
      return true;
    }, RECOVER_WITHIN_MS);
    console.info(`[redis cluster] service back ${back} ms after the cluster was healthy again`);
    // The restarted master kept no data (no persistence): the account on it starts empty, and works.
    expect(await store.listFactors(userId)).toEqual([]);
    await seedPhone(store, userId);
    expect(await limits.claimOnce("after the outage", 60_000)).toBe(true);
  });
});
