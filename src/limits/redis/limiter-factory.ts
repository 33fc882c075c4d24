/** Send and check budgets on Redis, through rate-limiter-flexible's `RateLimiterRedis`. */
import { RateLimiterRedis } from "rate-limiter-flexible";
import type { BudgetLimiterFactory } from "../budgets.js";
import type { RedisClientLike } from "./client.js";

/**
 * A factory of `RateLimiterRedis` limiters on one ioredis client. Each budget key is one Redis counter
 * that expires with its window (Redis' clock). Never with an `insuranceLimiter`: a fallback would count
 * per instance, or let everyone through, while Redis is down; a store failure must deny (rule 8).
 * @example
 * const sends = createBudgets("sf:send", config.sends, redisLimiterFactory(redis));
 */
export function redisLimiterFactory(client: RedisClientLike): BudgetLimiterFactory {
  return (spec) =>
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: spec.keyPrefix,
      points: spec.points,
      duration: spec.duration,
      // Rejects at once while the connection is not ready, rather than sending into a dead socket.
      rejectIfRedisNotReady: true,
    });
}
