/** Assembles {@link Limits} from a validated config and its stores (the seam tests use to inject faults). */

import { randomBytes } from "node:crypto";
import type {
  BudgetKeys,
  BudgetOutcome,
  BudgetScope,
  CheckHold,
  Limits,
  LockStatus,
  WrongCodeResult,
} from "./api.js";
import { type BudgetLimiterFactory, createBudgets, memoryLimiterFactory } from "./budgets.js";
import type { LimitsConfig, RedisStoreConfig } from "./config.js";
import { createMemoryDurableStore, type DurableStore } from "./durable-store.js";
import { budgetStoreFailure, invalidArgument, requireText } from "./failures.js";
import { ipKey } from "./ip-key.js";
import { createKeyer } from "./keyer.js";
import {
  applyRelease,
  applyReserve,
  applySuccess,
  applyUnlock,
  applyWrongCode,
  decodeState,
  encodeState,
  expiryOf,
  isEmpty,
  type LockoutState,
  settle,
  statusOf,
} from "./lockout-rules.js";
import { redisLimiterFactory } from "./redis/limiter-factory.js";
import { createRedisDurableStore } from "./redis/redis-durable-store.js";

/**
 * The stores behind {@link Limits}: flood budgets (may forget) and durable state (never evicts).
 * @example
 * const stores: LimitsStores = { limiterFactory: memoryLimiterFactory, durable: createMemoryDurableStore({ maxEntries: 10, now }) };
 */
export interface LimitsStores {
  readonly limiterFactory: BudgetLimiterFactory;
  readonly durable: DurableStore;
}

/** The longest single-use marker accepted, in ms (30 days). */
const MAX_CLAIM_TTL_MS = 30 * 86_400_000;

/** The longest a check may hold a failure slot, in ms: far above any provider timeout. */
const MAX_HOLD_TTL_MS = 10 * 60_000;

/**
 * The memory stores for a config.
 * @example
 * const limits = buildLimits(config, memoryStores(config));
 */
export function memoryStores(config: LimitsConfig): LimitsStores {
  return {
    limiterFactory: memoryLimiterFactory,
    durable: createMemoryDurableStore({ maxEntries: config.memoryMaxEntries, now: config.now }),
  };
}

/**
 * The Redis stores for a config: `RateLimiterRedis` budgets and the Lua-backed durable store, all on
 * the one client the app passed.
 * @example
 * const limits = buildLimits(config, redisStores(config, { kind: "redis", client: redis }));
 */
export function redisStores(config: LimitsConfig, store: RedisStoreConfig): LimitsStores {
  return {
    limiterFactory: redisLimiterFactory(store.client),
    durable: createRedisDurableStore({ client: store.client, now: config.now }),
  };
}

/**
 * The stores the config names: memory, or Redis.
 * @example
 * const limits = buildLimits(config, storesFor(config));
 */
export function storesFor(config: LimitsConfig): LimitsStores {
  return config.store === "memory" ? memoryStores(config) : redisStores(config, config.store);
}

/**
 * Builds the limits over the given stores. Every store failure becomes `ERR_SF_STORE_UNAVAILABLE`
 * (503, `Retry-After: 5`): never an "ok".
 * @example
 * const limits = buildLimits(parseLimitsOptions({ secret }), { limiterFactory, durable });
 */
export function buildLimits(config: LimitsConfig, stores: LimitsStores): Limits {
  const { now, lockout: rule, keyPrefix } = config;
  const keyer = createKeyer(config.secret);
  const sends = createBudgets(`${keyPrefix}:send`, config.sends, stores.limiterFactory);
  const checks = createBudgets(`${keyPrefix}:check`, config.checks, stores.limiterFactory);
  const durable = guardStore(stores.durable);
  const lockKey = (userId: string): string => `${keyPrefix}:lock:${keyer.identifier(userId)}`;
  const onceKey = (key: string): string => `${keyPrefix}:once:${keyer.identifier(key)}`;

  const scopedKeys = (method: string, keys: BudgetKeys): Record<BudgetScope, string> => {
    if (typeof keys !== "object" || keys === null) throw invalidArgument(method, "keys", "an object", keys);
    return {
      session: keyer.identifier(requireText(method, "keys.sessionKey", keys.sessionKey)),
      user: keyer.identifier(requireText(method, "keys.userId", keys.userId)),
      destination: keyer.destination(requireText(method, "keys.destination", keys.destination)),
      ip: keyer.identifier(ipKey(keys.ip)),
    };
  };

  const readState = async (key: string): Promise<LockoutState | undefined> => {
    const text = await durable.read(key);
    return text === undefined ? undefined : decodeOrFail(text);
  };

  /** Applies one lockout transition atomically and returns what it computed. */
  const transition = async <R>(
    userId: string,
    method: string,
    step: (stored: LockoutState | undefined, at: number) => { next: LockoutState; result: R },
  ): Promise<R> => {
    const key = lockKey(requireText(method, "userId", userId));
    const applied: { result: R }[] = [];
    await durable.update(key, (current) => {
      const at = now();
      const outcome = step(current === undefined ? undefined : decodeOrFail(current), at);
      // A shared store may re-run this on a conflict: only the last run was written.
      applied.length = 0;
      applied.push({ result: outcome.result });
      const next = settle(outcome.next, at);
      return isEmpty(next) ? null : { value: encodeState(next), expiresAt: expiryOf(next) };
    });
    const last = applied[0];
    if (last === undefined) throw budgetStoreFailure(new Error("the store did not apply the lockout update"));
    return last.result;
  };

  return {
    async consumeSend(keys) {
      return sends.consume(scopedKeys("consumeSend", keys));
    },

    async consumeCheck(keys): Promise<BudgetOutcome> {
      const scoped = scopedKeys("consumeCheck", keys);
      const status = await lockStatusOf(keys.userId);
      // A locked account gets no check at all, and the refusal costs no budget.
      if (status.locked) return { ok: false, scope: "lock", retryAfterSeconds: status.retryAfterSeconds };
      return checks.consume(scoped);
    },

    lockStatus: (userId) => lockStatusOf(userId),

    async reserveCheck(userId, ttlMs): Promise<CheckHold> {
      requireTtl("reserveCheck", ttlMs, MAX_HOLD_TTL_MS);
      const id = randomBytes(9).toString("base64url");
      return transition(userId, "reserveCheck", (stored, at) =>
        applyReserve(stored, at, rule, id, at + Math.ceil(ttlMs)),
      );
    },

    async recordWrongCode(userId, hold): Promise<WrongCodeResult> {
      const id = optionalHold("recordWrongCode", hold);
      return transition(userId, "recordWrongCode", (stored, at) => applyWrongCode(stored, at, rule, id));
    },

    async recordSuccess(userId, hold): Promise<LockStatus> {
      const id = optionalHold("recordSuccess", hold);
      return transition(userId, "recordSuccess", (stored, at) => applySuccess(stored, at, id));
    },

    async releaseCheck(userId, hold) {
      const id = requireText("releaseCheck", "hold", hold);
      await transition(userId, "releaseCheck", (stored, at) => ({
        next: applyRelease(stored, at, id),
        result: undefined,
      }));
    },

    async unlock(userId) {
      await transition(userId, "unlock", (stored, at) => ({
        next: applyUnlock(stored, at),
        result: undefined,
      }));
    },

    async claimOnce(key, ttlMs) {
      const storeKey = onceKey(requireText("claimOnce", "key", key));
      requireTtl("claimOnce", ttlMs, MAX_CLAIM_TTL_MS);
      return durable.claim(storeKey, now() + Math.ceil(ttlMs));
    },

    async release(key) {
      await durable.delete(onceKey(requireText("release", "key", key)));
    },

    destinationKey(destination) {
      return keyer.destination(requireText("destinationKey", "destination", destination));
    },
  };

  async function lockStatusOf(userId: string): Promise<LockStatus> {
    const at = now();
    const stored = await readState(lockKey(requireText("lockStatus", "userId", userId)));
    return statusOf(settle(stored, at), at);
  }
}

function requireTtl(method: string, ttlMs: unknown, maxMs: number): void {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > maxMs) {
    throw invalidArgument(method, "ttlMs", `a number of milliseconds from 1 to ${maxMs}`, ttlMs);
  }
}

function optionalHold(method: string, hold: unknown): string | undefined {
  return hold === undefined ? undefined : requireText(method, "hold", hold);
}

function decodeOrFail(text: string): LockoutState {
  const state = decodeState(text);
  // A value we cannot read might hide a lock: deny (503) rather than treat the account as clean.
  if (state === undefined) throw budgetStoreFailure(new Error("unreadable lockout state in the store"));
  return state;
}

/** Wraps every store call so that whatever it throws surfaces as a 503 store error. */
function guardStore(store: DurableStore): DurableStore {
  const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw budgetStoreFailure(error);
    }
  };
  return {
    read: (key) => wrap(() => store.read(key)),
    update: (key, change) => wrap(() => store.update(key, change)),
    claim: (key, expiresAt) => wrap(() => store.claim(key, expiresAt)),
    delete: (key) => wrap(() => store.delete(key)),
  };
}
