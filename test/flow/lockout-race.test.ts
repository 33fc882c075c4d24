// Rule 7: the lock is decided atomically with the count: concurrent codes never reach the provider beyond the threshold, and a right code cannot verify once a burst has locked the account (memory and Redis).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import { createLimits, type Limits } from "../../src/limits/index.js";
import {
  ALICE,
  Clock,
  FakeSession,
  harness,
  postForm,
  requestView,
  startChallenge,
} from "../helpers/core.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient, uniquePrefix } from "../redis/support.js";

const SECRET = "lockout-race-secret-0123456789abcdefghij";
/** Twilio-like latency: every check overlaps every other. */
const PROVIDER_DELAY_MS = 150;

function scenarios(store: string, makeLimits: (clock: Clock) => Limits): void {
  describe(`concurrent code checks at 9 wrong codes of 10 (${store})`, () => {
    const setup = () => {
      const clock = new Clock();
      return harness({ now: clock.now }, makeLimits(clock));
    };

    it("exactly one of 12 concurrent wrong codes reaches the provider; the rest get 429, nothing checked", async () => {
      const h = setup();
      const session = new FakeSession();
      await startChallenge(h, session);
      for (let wrong = 0; wrong < 9; wrong += 1) await h.limits.recordWrongCode(ALICE.id);
      h.provider.delayMs = PROVIDER_DELAY_MS;
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => postForm(h, session, "verify", { code: "000000" })),
      );
      expect(h.provider.checks).toHaveLength(1);
      expect(answers.filter((answer) => "status" in answer && answer.status === 429)).toHaveLength(11);
      expect(await h.limits.lockStatus(ALICE.id)).toMatchObject({ locked: true, failures: 10 });
      expect(h.events.filter((event) => event.type === "locked")).toHaveLength(1);
    });

    it("a right code inside a burst that locks does not verify", async () => {
      const h = setup();
      // Four sessions of alice waiting for the same code (the stub keeps one verification per phone).
      const sessions = [new FakeSession(), new FakeSession(), new FakeSession(), new FakeSession()];
      for (const session of sessions) await startChallenge(h, session);
      for (let wrong = 0; wrong < 9; wrong += 1) await h.limits.recordWrongCode(ALICE.id);
      h.provider.delayMs = PROVIDER_DELAY_MS;
      await Promise.all(
        sessions.map((session, index) =>
          postForm(h, session, "verify", { code: index === 0 ? "000000" : h.provider.code }),
        ),
      );
      expect(h.provider.checks).toHaveLength(1);
      const locked = (await h.limits.lockStatus(ALICE.id)).locked;
      const verified = sessions.filter(
        (session) => h.core.guard().decide({}, requestView("/account"), session, ALICE) === NEXT,
      );
      // Either the wrong code was checked and locked the account, or a right one verified: never both.
      expect({ locked, verified: verified.length }).toEqual(
        locked ? { locked: true, verified: 0 } : { locked: false, verified: 1 },
      );
    });

    it("frees the slot when the provider fails: the next check reaches it", async () => {
      const h = setup();
      const session = new FakeSession();
      await startChallenge(h, session);
      for (let wrong = 0; wrong < 9; wrong += 1) await h.limits.recordWrongCode(ALICE.id);
      h.provider.failure = new Error("Twilio is down");
      expect(await postForm(h, session, "verify", { code: "000000" })).toMatchObject({ status: 503 });
      h.provider.failure = undefined;
      expect(await postForm(h, session, "verify", { code: h.provider.code })).toMatchObject({
        kind: "redirect",
        status: 303,
      });
      expect(await h.limits.lockStatus(ALICE.id)).toEqual({ locked: false, failures: 0 });
    });
  });
}

scenarios("memory", (clock) => createLimits({ secret: SECRET, now: clock.now }));

const SUITE = "the lockout race on Redis";
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
  scenarios("redis", (clock) =>
    createLimits({
      secret: SECRET,
      now: clock.now,
      keyPrefix: uniquePrefix(),
      store: { kind: "redis", client },
    }),
  );
});
