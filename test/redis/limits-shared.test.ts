// Several instances on one Redis share every budget, lock and single-use marker: spreading guesses,
// sends or approvals over instances gains an attacker nothing (issue #6, DESIGN §4 rule 7).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { describeSharedLimits } from "../helpers/limits-shared-scenarios.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient } from "./support.js";

const SUITE = "limits shared by several instances on Redis";

describe.runIf(redisSuiteRuns(SUITE))(SUITE, () => {
  let server: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    for (let index = 0; index < 3; index += 1) clients.push(await readyClient(server.url));
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.close();
  });

  describeSharedLimits(() => clients);
});
