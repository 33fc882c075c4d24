// The store-independent budget scenarios are in test/helpers/limits-conformance.ts; these need the
// memory store's clock (fake timers) or inject faults into its limiters.
import { RateLimiterRes } from "rate-limiter-flexible";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BudgetLimiter, BudgetLimiterFactory } from "../../src/limits/budgets.js";
import { buildLimits, memoryStores } from "../../src/limits/create.js";
import { type BudgetKeys, createLimits, type Limits, parseLimitsOptions } from "../../src/limits/index.js";

const secret = "budget-test-secret-0123456789abcdef";

function keys(overrides: Partial<BudgetKeys> = {}): BudgetKeys {
  return {
    sessionKey: "session-1",
    userId: "user-1",
    destination: "+15017122661",
    ip: "192.0.2.1",
    ...overrides,
  };
}

async function sendsAccepted(limits: Limits, count: number, make: () => BudgetKeys): Promise<number> {
  let accepted = 0;
  for (let index = 0; index < count; index += 1) {
    if ((await limits.consumeSend(make())).ok) accepted += 1;
  }
  return accepted;
}

describe("send and check budgets on the memory store's clock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows 5 sends per session in 10 minutes, then refuses with the seconds left", async () => {
    const limits = createLimits({ secret });
    expect(await sendsAccepted(limits, 5, () => keys())).toBe(5);
    vi.advanceTimersByTime(60_000);
    expect(await limits.consumeSend(keys())).toEqual({ ok: false, scope: "session", retryAfterSeconds: 540 });
    vi.advanceTimersByTime(539_500);
    expect(await limits.consumeSend(keys())).toEqual({ ok: false, scope: "session", retryAfterSeconds: 1 });
    vi.advanceTimersByTime(600);
    expect(await limits.consumeSend(keys())).toEqual({ ok: true });
  });
});

describe("budget store failures", () => {
  const config = parseLimitsOptions({ secret });

  function withLimiter(makeLimiter: (prefix: string) => BudgetLimiter | undefined): {
    limits: Limits;
    rewards: string[];
  } {
    const rewards: string[] = [];
    const memory = memoryStores(config);
    const factory: BudgetLimiterFactory = (spec) => {
      const real = memory.limiterFactory(spec);
      const replacement = makeLimiter(spec.keyPrefix);
      const limiter = replacement ?? real;
      return {
        consume: (key, points) => limiter.consume(key, points),
        reward: (key, points) => {
          rewards.push(spec.keyPrefix);
          return limiter.reward(key, points);
        },
      };
    };
    return { limits: buildLimits(config, { ...memory, limiterFactory: factory }), rewards };
  }

  const failing: BudgetLimiter = {
    consume: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
    reward: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
  };

  it("turns a store error into a 503 with Retry-After and the cause, never an ok", async () => {
    const { limits, rewards } = withLimiter((prefix) =>
      prefix === "sf:send:destination" ? failing : undefined,
    );
    const error = await limits.consumeSend(keys()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
      expose: false,
      headers: { "Retry-After": "5" },
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).message).toContain("ECONNREFUSED");
    // The three scopes that did count gave their points back.
    expect(rewards.sort()).toEqual(["sf:send:ip", "sf:send:session", "sf:send:user"]);
  });

  it("fails the check path the same way", async () => {
    const { limits } = withLimiter((prefix) => (prefix === "sf:check:ip" ? failing : undefined));
    await expect(limits.consumeCheck(keys())).rejects.toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
    });
    // Sends use other limiters and still work.
    expect(await limits.consumeSend(keys())).toEqual({ ok: true });
  });

  it("tells a refusal (a RateLimiterRes) from a failure (anything else)", async () => {
    const refusing: BudgetLimiter = {
      consume: () => Promise.reject(new RateLimiterRes(0, 2500, 6)),
      reward: () => Promise.resolve(new RateLimiterRes(0, 2500, 5)),
    };
    const refused = withLimiter((prefix) => (prefix === "sf:send:user" ? refusing : undefined));
    expect(await refused.limits.consumeSend(keys())).toEqual({
      ok: false,
      scope: "user",
      retryAfterSeconds: 3,
    });

    const oddFailure: BudgetLimiter = {
      consume: () => Promise.reject({ msBeforeNext: 1000 }),
      reward: () => Promise.resolve(new RateLimiterRes()),
    };
    const failed = withLimiter((prefix) => (prefix === "sf:send:user" ? oddFailure : undefined));
    await expect(failed.limits.consumeSend(keys())).rejects.toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
    });
  });
});
