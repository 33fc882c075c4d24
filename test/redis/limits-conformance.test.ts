// The Limits conformance suite on the Redis store: the same scenarios as the memory store, on a real redis-server.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { createLimits } from "../../src/limits/index.js";
import { describeLimitsConformance } from "../helpers/limits-conformance.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient, uniquePrefix } from "./support.js";

const SUITE = "limits conformance on Redis";
const secret = "conformance-test-secret-0123456789abcdef";

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

  describeLimitsConformance("redis", {
    make: (options = {}) =>
      createLimits({ secret, keyPrefix: uniquePrefix(), ...options, store: { kind: "redis", client } }),
  });
});
