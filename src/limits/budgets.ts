/**
 * Send and check budgets on rate-limiter-flexible: one limiter per (operation, scope), consumed all
 * or nothing. These only defend against floods, so a store may forget their keys.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import {
  BUDGET_SCOPES,
  type BudgetOutcome,
  type BudgetRefusal,
  type BudgetRule,
  type BudgetScope,
} from "./api.js";
import { budgetStoreFailure } from "./failures.js";
import { secondsUntil } from "./lockout-rules.js";

/**
 * The part of a rate-limiter-flexible limiter the budgets use. `consume` resolves when the points
 * fit, rejects with a `RateLimiterRes` when they do not, and with an `Error` when the store fails.
 * @example
 * const limiter: BudgetLimiter = new RateLimiterMemory({ keyPrefix: "sf:send:user", points: 5, duration: 600 });
 */
export interface BudgetLimiter {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  reward(key: string, points?: number): Promise<RateLimiterRes>;
}

/**
 * What a {@link BudgetLimiterFactory} is asked to build.
 * @example
 * const spec: BudgetLimiterSpec = { keyPrefix: "sf:check:ip", points: 50, duration: 900 };
 */
export interface BudgetLimiterSpec {
  readonly keyPrefix: string;
  readonly points: number;
  /** Window in seconds. */
  readonly duration: number;
}

/**
 * Builds one limiter per budget. The Redis store passes a factory of `RateLimiterRedis` (with
 * `storeClient`, and never an `insuranceLimiter`: a store failure must deny, not fall back).
 * @example
 * const memory: BudgetLimiterFactory = (spec) => new RateLimiterMemory(spec);
 */
export type BudgetLimiterFactory = (spec: BudgetLimiterSpec) => BudgetLimiter;

/**
 * The default factory: process memory. Each key lives one window and is then dropped by its own
 * (unref'd) timer, so memory is bounded by the distinct keys seen within one window.
 * @example
 * const budgets = createBudgets("sf:send", rules, memoryLimiterFactory);
 */
export const memoryLimiterFactory: BudgetLimiterFactory = (spec) =>
  new RateLimiterMemory({ keyPrefix: spec.keyPrefix, points: spec.points, duration: spec.duration });

/**
 * One operation's budgets across all scopes.
 * @example
 * const outcome = await sendBudgets.consume({ session: "k1", user: "k2", destination: "k3", ip: "k4" });
 */
export interface ScopedBudgets {
  /** Consumes one point in every scope, or none: on a refusal the points taken are given back. */
  consume(keys: Readonly<Record<BudgetScope, string>>): Promise<BudgetOutcome>;
}

type Attempt =
  | { scope: BudgetScope; kind: "accepted" }
  | { scope: BudgetScope; kind: "refused"; retryAfterSeconds: number }
  | { scope: BudgetScope; kind: "failed"; error: unknown };

/**
 * Makes the budgets of one operation (`"send"` or `"check"`) under `keyPrefix`.
 * @example
 * const sends = createBudgets("sf:send", config.sends, memoryLimiterFactory);
 */
export function createBudgets(
  keyPrefix: string,
  rules: Readonly<Record<BudgetScope, Readonly<BudgetRule>>>,
  factory: BudgetLimiterFactory,
): ScopedBudgets {
  const limiters = new Map<BudgetScope, BudgetLimiter>(
    BUDGET_SCOPES.map((scope) => [
      scope,
      factory({
        keyPrefix: `${keyPrefix}:${scope}`,
        points: rules[scope].points,
        duration: rules[scope].durationSeconds,
      }),
    ]),
  );
  const limiterOf = (scope: BudgetScope): BudgetLimiter => {
    const limiter = limiters.get(scope);
    if (limiter === undefined) throw new Error(`no limiter for scope ${scope}`);
    return limiter;
  };

  const attempt = async (scope: BudgetScope, key: string): Promise<Attempt> => {
    try {
      await limiterOf(scope).consume(key, 1);
      return { scope, kind: "accepted" };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        return { scope, kind: "refused", retryAfterSeconds: secondsUntil(error.msBeforeNext, 0) };
      }
      return { scope, kind: "failed", error };
    }
  };

  return {
    async consume(keys) {
      // All or nothing by consume-then-reward: each consume is one atomic increment, so concurrent
      // requests can never all see room that is not there (a get-then-consume would race); a refused
      // attempt gives back every point it took, including the refused scope's, so it costs nothing.
      const attempts = await Promise.all(BUDGET_SCOPES.map((scope) => attempt(scope, keys[scope])));
      const failed = attempts.find((entry) => entry.kind === "failed");
      const refusal = longestRefusal(attempts);
      if (failed === undefined && refusal === undefined) return { ok: true };
      if (failed !== undefined) {
        // The store is failing: answer 503 now rather than wait a second timeout on the give-back.
        void giveBack(attempts, keys, limiterOf);
        throw budgetStoreFailure(failed.error);
      }
      await giveBack(attempts, keys, limiterOf);
      return refusal ?? { ok: true };
    },
  };
}

function longestRefusal(attempts: readonly Attempt[]): BudgetRefusal | undefined {
  let longest: BudgetRefusal | undefined;
  for (const entry of attempts) {
    if (entry.kind !== "refused") continue;
    if (longest === undefined || entry.retryAfterSeconds > longest.retryAfterSeconds) {
      longest = { ok: false, scope: entry.scope, retryAfterSeconds: entry.retryAfterSeconds };
    }
  }
  return longest;
}

async function giveBack(
  attempts: readonly Attempt[],
  keys: Readonly<Record<BudgetScope, string>>,
  limiterOf: (scope: BudgetScope) => BudgetLimiter,
): Promise<void> {
  const taken = attempts.filter((entry) => entry.kind !== "failed");
  await Promise.all(
    taken.map((entry) =>
      // A failed give-back leaves the count too high: the safe direction, so it is not an error.
      limiterOf(entry.scope)
        .reward(keys[entry.scope], 1)
        .catch(() => undefined),
    ),
  );
}
