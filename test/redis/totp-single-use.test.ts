// Rule 3 across instances on Redis (issue 13): a time step of an account passes once, whichever
// instance sees the code, also when several see it at the same moment.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLimits } from "../../src/limits/index.js";
import { createMemoryFactorStore } from "../../src/stores/index.js";
import { ALICE, FakeSession, harness, SECRET } from "../helpers/core.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { appCode, enrolApp, getFlow, postFlow } from "../helpers/totp.js";
import { verifiedRecord } from "../settings/settings-helpers.js";
import { readyClient, uniquePrefix } from "./support.js";

const SUITE = "authenticator-app codes on Redis";

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

  it("accepts one code once across three instances sharing a Redis budget store", async () => {
    const keyPrefix = uniquePrefix("totp");
    const factors = createMemoryFactorStore();
    const instances = clients.map((client) => {
      const limits = createLimits({ secret: SECRET, store: { kind: "redis", client }, keyPrefix });
      return harness({ user: () => ALICE, secret: SECRET, factors }, limits);
    });
    const [first] = instances;
    if (first === undefined) throw new Error("no instance");
    const setup = new FakeSession();
    setup.value = verifiedRecord("alice", first.clock.ms);
    const { uri } = await enrolApp(first, setup, ALICE);
    for (const instance of instances) instance.clock.ms = first.clock.ms + 30_000;
    const code = appCode(uri, first.clock.ms + 30_000);
    const sessions = instances.map(() => new FakeSession());
    await Promise.all(
      instances.map((instance, index) => getFlow(instance, sessions[index] as FakeSession, ALICE, "")),
    );
    const answers = await Promise.all(
      instances.map((instance, index) =>
        postFlow(instance, sessions[index] as FakeSession, ALICE, "totp", { code }),
      ),
    );
    expect(answers.filter((answer) => answer.kind === "redirect" && answer.location === "/")).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === "html" && answer.status === 409)).toHaveLength(2);
    // A later try on any instance is refused too.
    const late = new FakeSession();
    const last = instances[2];
    if (last === undefined) throw new Error("no instance");
    await getFlow(last, late, ALICE, "");
    expect(await postFlow(last, late, ALICE, "totp", { code })).toMatchObject({ status: 409 });
  });
});
