/**
 * The public shapes of the budgets and the account lockout (DESIGN §4 rule 7). `src/limits.ts`
 * re-exports them; the implementation lives in the other modules of `src/limits/`.
 */

import type { RedisClientLike } from "./redis/client.js";

/**
 * Who a budget is counted against.
 * @example
 * const scope: BudgetScope = "destination";
 */
export type BudgetScope = "session" | "user" | "destination" | "ip";

/** Every budget scope, in the order refusals are reported when two refuse for equally long. */
export const BUDGET_SCOPES: readonly BudgetScope[] = ["session", "user", "destination", "ip"];

/**
 * A refused send or check: which budget ran out (or `"lock"` when the account is locked), and how
 * many whole seconds until a retry can succeed (at least 1; the value of `Retry-After`).
 * @example
 * const refusal: BudgetRefusal = { ok: false, scope: "user", retryAfterSeconds: 412 };
 */
export type BudgetRefusal = { ok: false; scope: BudgetScope | "lock"; retryAfterSeconds: number };

/**
 * The outcome of {@link Limits.consumeSend} and {@link Limits.consumeCheck}.
 * @example
 * const outcome = await limits.consumeSend(keys);
 * if (!outcome.ok) return tooManyRequests(outcome.retryAfterSeconds);
 */
export type BudgetOutcome = { ok: true } | BudgetRefusal;

/**
 * What one send or check is counted against. Every value is keyed by an HMAC before it reaches the
 * store, so no session id, user id, destination or IP address is stored in the clear.
 * @example
 * const keys: BudgetKeys = { sessionKey: req.sessionID, userId: user.id, destination: user.phone, ip: req.ip };
 */
export interface BudgetKeys {
  /** A stable identifier of the session (e.g. its id). */
  sessionKey: string;
  /** The account's id, as the app's `user(...)` callback returned it. */
  userId: string;
  /** Where the code goes: an E.164 number or an e-mail address (from the server). */
  destination: string;
  /** The client IP as the framework derives it; IPv6 is counted by its /64, junk or none as `"unknown"`. */
  ip?: string | undefined;
}

/**
 * One budget: at most `points` operations per fixed window of `durationSeconds`.
 * @example
 * const perUser: BudgetRule = { points: 5, durationSeconds: 600 };
 */
export interface BudgetRule {
  /** Operations allowed per window (a positive integer). */
  points: number;
  /** Length of the window in seconds (a positive integer); it starts at the first operation. */
  durationSeconds: number;
}

/**
 * Options of {@link createLimits}. Validated once; unknown keys are refused.
 * @example
 * const limits = createLimits({ secret: process.env.SECOND_FACTOR_SECRET!, sends: { ip: { points: 50, durationSeconds: 600 } } });
 */
export interface LimitsOptions {
  /** HMAC key used to key destinations (and user ids) in the store; never a plain hash. At least 32 bytes. */
  secret: string | Uint8Array;
  /**
   * Where budgets, failure counts, locks and single-use markers live: `"memory"` serves one process;
   * `{ kind: "redis", client }` shares them between every instance on one Redis, through one ioredis
   * client that must fail closed (`enableOfflineQueue: false`, a `commandTimeout` of at most 2500 ms,
   * a numeric `maxRetriesPerRequest`; see `FAIL_CLOSED_REDIS_OPTIONS`), else construction throws
   * `ERR_SF_INVALID_OPTION`. The Redis must have `maxmemory-policy noeviction`. See docs/scaling.md.
   * @default "memory"
   * @example
   * createLimits({ secret, store: { kind: "redis", client: new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS }) } });
   */
  store?: "memory" | { kind: "redis"; client: RedisClientLike };
  /** Prefix of every key in the store; instances sharing a store share budgets through it. @default "sf" */
  keyPrefix?: string;
  /** The app clock in ms, used for locks and single-use markers (tests advance it). @default Date.now */
  now?: () => number;
  /**
   * Send budgets per scope; each given scope replaces its default.
   * @default { session: 5/600s, user: 5/600s, destination: 5/600s, ip: 20/600s }
   */
  sends?: Partial<Record<BudgetScope, BudgetRule>>;
  /**
   * Check budgets per scope; each given scope replaces its default.
   * @default { session: 10/900s, user: 20/900s, destination: 20/900s, ip: 50/900s }
   */
  checks?: Partial<Record<BudgetScope, BudgetRule>>;
  /** The account lockout after consecutive wrong codes. */
  lockout?: {
    /** Consecutive wrong codes that lock the account (1 to 100, NIST SP 800-63B-4's ceiling). @default 10 */
    threshold?: number;
    /** Length of the first lock in seconds; each further lock doubles it. @default 900 */
    baseSeconds?: number;
    /** Longest lock in seconds. @default 86400 */
    maxSeconds?: number;
    /**
     * Seconds after the last wrong code, or the end of the last lock if later, after which the
     * account's count and lock number are forgotten. At least `maxSeconds`, so that waiting never
     * buys more guesses than the lock itself allows.
     * @default 86400 (or `maxSeconds` when that is larger)
     */
    forgetAfterSeconds?: number;
  };
  /**
   * Hard cap on entries of the memory store for failure counts, locks and single-use markers. These
   * are never evicted: when the cap is reached and nothing has expired, writes are refused with
   * `ERR_SF_STORE_UNAVAILABLE` (503). Memory store only (refused with a Redis store).
   * @default 100000
   */
  memoryMaxEntries?: number;
}

/**
 * The state of an account's second-factor step, from {@link Limits.lockStatus}.
 * @example
 * const status: LockStatus = { locked: true, retryAfterSeconds: 840, failures: 10 };
 */
export type LockStatus =
  | { locked: false; failures: number }
  | { locked: true; retryAfterSeconds: number; failures: number };

/**
 * The outcome of {@link Limits.recordWrongCode}. `newlyLocked` (always set by {@link createLimits}) is
 * true only for the wrong code that started the lock: fire the `locked` event then. A wrong code whose
 * check was already in flight when the lock began reports the lock with `newlyLocked: false` and the
 * seconds left in `lockSeconds`.
 * @example
 * const result = await limits.recordWrongCode(user.id);
 * if (result.locked && result.newlyLocked) emit({ type: "locked", seconds: result.lockSeconds });
 */
export type WrongCodeResult =
  | { failures: number; locked: false }
  | { failures: number; locked: true; lockSeconds: number; lockNumber: number; newlyLocked?: boolean };

/**
 * The outcome of {@link Limits.reserveCheck}: the check may go to the provider holding `hold`, or it is
 * refused before it does: the account is locked (`locked: true`), or every failure it has left before
 * the lock is held by a check in flight (`locked: false`; retry once they are decided).
 * @example
 * const held = await limits.reserveCheck(user.id, 8_000);
 * if (!held.ok) return tooManyRequests(held.retryAfterSeconds);
 */
export type CheckHold =
  | { ok: true; hold: string }
  | { ok: false; locked: boolean; retryAfterSeconds: number };

/**
 * Budgets for sends and checks, and the per-account lockout (DESIGN §4 rule 7).
 * @example
 * const limits = createLimits({ secret });
 * const outcome = await limits.consumeSend({ sessionKey, userId: user.id, destination: user.phone, ip });
 */
export interface Limits {
  /** Consumes one send from every scope's budget, all or nothing; refusal says which scope and when to retry. */
  consumeSend(keys: BudgetKeys): Promise<BudgetOutcome>;
  /** Same for one code check; also refuses while the account is locked (scope "lock"). */
  consumeCheck(keys: BudgetKeys): Promise<BudgetOutcome>;
  /** Whether the account's second-factor step is locked now. */
  lockStatus(userId: string): Promise<LockStatus>;
  /**
   * Reserve before you check: atomically takes one of the failures the account has left before the
   * lock, for at most `ttlMs` (a process that dies mid-check frees it by itself). So no more checks
   * reach the provider than the threshold allows, whatever the concurrency: with 9 of 10 counted,
   * exactly one. Settle the hold with `recordWrongCode`, `recordSuccess` or `releaseCheck`.
   */
  reserveCheck(userId: string, ttlMs: number): Promise<CheckHold>;
  /** Counts one wrong code (one the provider evaluated as wrong), turning `hold` into it; at the threshold locks and reports it. */
  recordWrongCode(userId: string, hold?: string): Promise<WrongCodeResult>;
  /**
   * A correct code ends the run of consecutive wrong codes and frees `hold`. Once the account is
   * locked it changes nothing and answers the lock: the code must not verify.
   */
  recordSuccess(userId: string, hold?: string): Promise<LockStatus>;
  /** Frees `hold` without counting anything: the check ended with no verdict on the code (an outage). */
  releaseCheck(userId: string, hold: string): Promise<void>;
  /** Support's unlock: ends the lock and the count. */
  unlock(userId: string): Promise<void>;
  /** True exactly once per key within ttlMs, across everyone sharing the store (single-use markers). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Releases a claim early (e.g. the send it guarded failed). */
  release(key: string): Promise<void>;
  /** Keys a destination (phone/e-mail) for the store: HMAC-SHA256 with the secret, base64url. */
  destinationKey(destination: string): string;
}
