/**
 * Budgets for sends and checks, and the per-account lockout after consecutive wrong codes
 * (DESIGN §4 rule 7). Flood budgets live on rate-limiter-flexible and may forget old keys; failure
 * counts, locks and single-use markers live in a store that refuses rather than evicts. Both are in
 * process memory by default, or shared by every instance on Redis (`store: { kind: "redis", client }`).
 */

import type { Limits, LimitsOptions } from "./api.js";
import { parseLimitsOptions } from "./config.js";
import { buildLimits, storesFor } from "./create.js";

export {
  BUDGET_SCOPES,
  type BudgetKeys,
  type BudgetOutcome,
  type BudgetRefusal,
  type BudgetRule,
  type BudgetScope,
  type CheckHold,
  type Limits,
  type LimitsOptions,
  type LockStatus,
  type WrongCodeResult,
} from "./api.js";
export {
  DEFAULT_CHECK_BUDGETS,
  DEFAULT_LOCKOUT,
  DEFAULT_MEMORY_MAX_ENTRIES,
  DEFAULT_SEND_BUDGETS,
  type LimitsConfig,
  type LockoutConfig,
  parseLimitsOptions,
  type RedisStoreConfig,
} from "./config.js";
export { ipKey, UNKNOWN_IP } from "./ip-key.js";
export {
  FAIL_CLOSED_REDIS_CLUSTER_OPTIONS,
  FAIL_CLOSED_REDIS_OPTIONS,
  MAX_REDIS_COMMAND_TIMEOUT_MS,
  type RedisClientLike,
} from "./redis/client.js";

/**
 * Makes the budgets and the lockout. Options are validated now (unknown keys, a secret shorter than
 * 32 bytes and a Redis client that does not fail closed are refused with `ERR_SF_INVALID_OPTION`);
 * store failures later surface as `ERR_SF_STORE_UNAVAILABLE` (503, `Retry-After: 5`), never as an "ok".
 * @param options - see {@link LimitsOptions}; only `secret` is required.
 * @param context - `optionPath`: how the caller's own options name this object, for error messages.
 * @default context { optionPath: "limits" }
 * @example
 * const limits = createLimits({ secret: process.env.SECOND_FACTOR_SECRET! });
 * const outcome = await limits.consumeSend({ sessionKey, userId: user.id, destination: user.phone, ip: req.ip });
 * if (!outcome.ok) res.set("Retry-After", String(outcome.retryAfterSeconds)).status(429);
 * // Several instances: one ioredis client, configured to fail closed.
 * const shared = createLimits({ secret, store: { kind: "redis", client: new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS }) } });
 */
export function createLimits(options: LimitsOptions, context: { optionPath?: string } = {}): Limits {
  const config = parseLimitsOptions(options, context.optionPath ?? "limits");
  return buildLimits(config, storesFor(config));
}
