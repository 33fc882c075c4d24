// The Redis client must fail closed (rule 8): a client with the offline queue on, no command timeout,
// unlimited retries or no reconnect is refused when the limits or the Koa session store are made, and a
// Redis that may evict keys is refused before the first lock is written (DESIGN §4: never evicted).
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisSessionStore } from "../../adapters/koa/redis-session-store.js";
import {
  createLimits,
  FAIL_CLOSED_REDIS_CLUSTER_OPTIONS,
  FAIL_CLOSED_REDIS_OPTIONS,
  type RedisClientLike,
} from "../../src/limits/index.js";
import { createFactorStore } from "../../src/stores/index.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient, uniquePrefix } from "./support.js";

const secret = "client-test-secret-0123456789abcdef0123";
const logger = { warn: () => undefined, error: () => undefined };

/** A Cluster that never connects. */
function idleCluster(options: ClusterOptions): Cluster {
  return new Cluster([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true, ...options });
}

/** A client that never connects (no server needed to read its options). */
function idleClient(options: RedisOptions): Redis {
  return new Redis({ lazyConnect: true, ...options });
}

function refusal(client: unknown): { code?: string; message?: string } {
  try {
    createLimits({ secret, store: { kind: "redis", client: client as RedisClientLike } });
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error("createLimits accepted the client");
}

describe("the Redis client's options", () => {
  it("accepts the recommended options and the limits made on them", () => {
    const client = idleClient({ ...FAIL_CLOSED_REDIS_OPTIONS });
    expect(() => createLimits({ secret, store: { kind: "redis", client } })).not.toThrow();
    expect(() => redisSessionStore(client)).not.toThrow();
    expect(FAIL_CLOSED_REDIS_OPTIONS).toEqual({
      enableOfflineQueue: false,
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      autoResendUnfulfilledCommands: false,
    });
    expect(Object.isFrozen(FAIL_CLOSED_REDIS_OPTIONS)).toBe(true);
  });

  it.each<[string, RedisOptions, string]>([
    ["ioredis' defaults (offline queue on)", {}, "offline queue"],
    ["the offline queue on", { ...FAIL_CLOSED_REDIS_OPTIONS, enableOfflineQueue: true }, "offline queue"],
    ["no command timeout", { ...FAIL_CLOSED_REDIS_OPTIONS, commandTimeout: undefined }, "commandTimeout"],
    ["a 10 s command timeout", { ...FAIL_CLOSED_REDIS_OPTIONS, commandTimeout: 10_000 }, "commandTimeout"],
    ["a fractional command timeout", { ...FAIL_CLOSED_REDIS_OPTIONS, commandTimeout: 0.5 }, "commandTimeout"],
    [
      "unlimited retries",
      { ...FAIL_CLOSED_REDIS_OPTIONS, maxRetriesPerRequest: null },
      "maxRetriesPerRequest",
    ],
  ])("refuses a client with %s, naming the option and the fix", (_label, options, named) => {
    const client = idleClient(options);
    const error = refusal(client);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.message).toContain('"limits.store.client"');
    expect(error.message).toContain(named);
    expect(error.message).toContain("Fix:");
    expect(() => redisSessionStore(client)).toThrow(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });

  it("refuses a client that would never reconnect after an outage", () => {
    const client = idleClient({ ...FAIL_CLOSED_REDIS_OPTIONS });
    // ioredis fills in its default strategy when none is given; an app can still remove it.
    (client.options as { retryStrategy?: unknown }).retryStrategy = undefined;
    expect(refusal(client).message).toContain("retryStrategy");
  });

  it("accepts a Cluster made with the recommended options, for the limits, the factor store and the Koa session store", () => {
    const cluster = idleCluster({ ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS });
    expect(() => createLimits({ secret, store: { kind: "redis", client: cluster } })).not.toThrow();
    expect(() => createFactorStore({ kind: "redis", client: cluster }, { logger })).not.toThrow();
    expect(() => redisSessionStore(cluster)).not.toThrow();
    expect(FAIL_CLOSED_REDIS_CLUSTER_OPTIONS).toMatchObject({
      enableOfflineQueue: false,
      scaleReads: "master",
      retryDelayOnFailover: 0,
      redisOptions: FAIL_CLOSED_REDIS_OPTIONS,
    });
    expect(Object.isFrozen(FAIL_CLOSED_REDIS_CLUSTER_OPTIONS)).toBe(true);
  });

  it.each<[string, ClusterOptions, string]>([
    ["ioredis' defaults (offline queue on)", {}, "offline queue"],
    [
      "the offline queue on",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, enableOfflineQueue: true },
      "offline queue",
    ],
    ["reads from replicas", { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, scaleReads: "slave" }, "scaleReads"],
    [
      "re-sending after a closed connection (ioredis' default)",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, retryDelayOnFailover: 100 },
      "retryDelayOnFailover",
    ],
    [
      "unbounded redirections",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, maxRedirections: 1000 },
      "maxRedirections",
    ],
    [
      "slow CLUSTERDOWN retries",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, retryDelayOnClusterDown: 5000 },
      "retryDelayOnClusterDown",
    ],
    [
      "no command timeout on its nodes",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, redisOptions: { maxRetriesPerRequest: 1 } },
      "redisOptions.commandTimeout",
    ],
    [
      "unlimited retries on its nodes",
      {
        ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS,
        redisOptions: { commandTimeout: 1000, maxRetriesPerRequest: null },
      },
      "redisOptions.maxRetriesPerRequest",
    ],
    [
      "no reconnect",
      { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, clusterRetryStrategy: undefined as never },
      "clusterRetryStrategy",
    ],
  ])("refuses a Cluster with %s, naming the option and the fix", (_label, options, named) => {
    const cluster = idleCluster(options);
    if (options.clusterRetryStrategy === undefined && "clusterRetryStrategy" in options) {
      // ioredis fills in its default strategy when none is given; an app can still remove it.
      (cluster.options as { clusterRetryStrategy?: unknown }).clusterRetryStrategy = undefined;
    }
    const error = refusal(cluster);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.message).toContain(named);
    expect(error.message).toContain("Fix:");
    expect(() => redisSessionStore(cluster)).toThrow(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });

  it("refuses a closed client and things that are not clients", async () => {
    const closed = idleClient({ ...FAIL_CLOSED_REDIS_OPTIONS });
    closed.disconnect();
    expect(closed.status).toBe("end");
    expect(refusal(closed).message).toContain("closed");
    expect(refusal("redis://127.0.0.1:6379").message).toContain("must be an ioredis client");
    expect(refusal({ get: () => undefined }).message).toContain("is not an ioredis client");
  });

  it("refuses a memory cap together with a Redis store", () => {
    const client = idleClient({ ...FAIL_CLOSED_REDIS_OPTIONS });
    expect(() => createLimits({ secret, memoryMaxEntries: 10, store: { kind: "redis", client } })).toThrow(
      expect.objectContaining({
        code: "ERR_SF_INVALID_OPTION",
        message: expect.stringContaining("memoryMaxEntries"),
      }),
    );
  });

  it("refuses bad session store options", () => {
    const client = idleClient({ ...FAIL_CLOSED_REDIS_OPTIONS });
    expect(() => redisSessionStore(client, { prefix: "" })).toThrow(/redisSessionStore\.prefix/);
    expect(() => redisSessionStore(client, { sessionTtlMs: 5 })).toThrow(/redisSessionStore\.sessionTtlMs/);
    expect(() => redisSessionStore(client, { ttl: 5 } as never)).toThrow(/redisSessionStore\.ttl/);
  });
});

const SUITE = "the Redis eviction policy";

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

  it("denies locks and markers while Redis may evict keys, and works once it may not", async () => {
    const limits = createLimits({ secret, keyPrefix: uniquePrefix(), store: { kind: "redis", client } });
    await client.config("SET", "maxmemory-policy", "volatile-lru");
    try {
      for (const operation of [() => limits.lockStatus("alice"), () => limits.claimOnce("m", 1000)]) {
        await expect(operation()).rejects.toMatchObject({
          code: "ERR_SF_MISCONFIGURED",
          message: expect.stringContaining("maxmemory-policy noeviction"),
        });
      }
      // Flood budgets may be forgotten, so they do not wait for the policy.
      expect(await limits.consumeSend({ sessionKey: "s", userId: "u", destination: "+15017122661" })).toEqual(
        {
          ok: true,
        },
      );
    } finally {
      await client.config("SET", "maxmemory-policy", "noeviction");
    }
    // Fixing the server is enough: no restart of the app.
    expect(await limits.claimOnce("m", 1000)).toBe(true);
  });
});
