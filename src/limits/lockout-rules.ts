/**
 * The account lockout as pure state transitions (DESIGN §4 rule 7), so the memory store and the shared
 * Redis store (a Lua compare-and-set around these functions) apply exactly the same rule.
 */

import type { LockStatus, WrongCodeResult } from "./api.js";
import type { LockoutConfig } from "./config.js";

/**
 * What the store keeps per account. Times are on the app clock, in ms.
 * @example
 * const state: LockoutState = { failures: 3, lockNumber: 1, lockedUntil: 0, forgetAt: 1_700_086_400_000 };
 */
export interface LockoutState {
  /** Consecutive wrong codes since the last success, unlock or lock end. */
  readonly failures: number;
  /** How many locks this account has had; each doubles the next one. */
  readonly lockNumber: number;
  /** When the current lock ends; 0 when there is none. */
  readonly lockedUntil: number;
  /** When the whole state may be forgotten (failures and lock number). */
  readonly forgetAt: number;
}

const EMPTY: LockoutState = Object.freeze({ failures: 0, lockNumber: 0, lockedUntil: 0, forgetAt: 0 });

/**
 * The state as it stands at `now`: forgotten after `forgetAt`; after a lock ends the count restarts
 * at 0 but the lock number stays, so waiting out a lock does not reset the doubling.
 * @example
 * settle(stored, Date.now()).failures;
 */
export function settle(state: LockoutState | undefined, now: number): LockoutState {
  if (state === undefined || state.forgetAt <= now) return EMPTY;
  if (state.lockedUntil !== 0 && state.lockedUntil <= now) return { ...state, failures: 0, lockedUntil: 0 };
  return state;
}

/**
 * True when nothing is worth storing (the entry can be deleted).
 * @example
 * if (isEmpty(next)) await store.delete(key);
 */
export function isEmpty(state: LockoutState): boolean {
  return state.failures === 0 && state.lockNumber === 0 && state.lockedUntil === 0;
}

/**
 * Length in seconds of lock number `lockNumber` (1-based): base, doubled per further lock, capped.
 * @example
 * lockSeconds(3, DEFAULT_LOCKOUT); // 3600
 */
export function lockSeconds(lockNumber: number, rule: LockoutConfig): number {
  const doublings = Math.min(Math.max(lockNumber - 1, 0), 52);
  return Math.min(rule.baseSeconds * 2 ** doublings, rule.maxSeconds);
}

/**
 * The lock status at `now`.
 * @example
 * statusOf(settle(stored, now), now);
 */
export function statusOf(settled: LockoutState, now: number): LockStatus {
  if (settled.lockedUntil > now) {
    return {
      locked: true,
      retryAfterSeconds: secondsUntil(settled.lockedUntil, now),
      failures: settled.failures,
    };
  }
  return { locked: false, failures: settled.failures };
}

/**
 * One wrong code: counts it; at the threshold starts the next (longer) lock. A wrong code that
 * arrives during a lock (its check was in flight) is counted but does not start another lock.
 * @example
 * const { next, result } = applyWrongCode(stored, now, rule);
 */
export function applyWrongCode(
  stored: LockoutState | undefined,
  now: number,
  rule: LockoutConfig,
): { next: LockoutState; result: WrongCodeResult } {
  const state = settle(stored, now);
  const failures = state.failures + 1;
  const forgetMs = rule.forgetAfterSeconds * 1000;
  if (state.lockedUntil > now) {
    const next = { ...state, failures };
    const result = {
      failures,
      locked: true as const,
      lockSeconds: secondsUntil(state.lockedUntil, now),
      lockNumber: state.lockNumber,
      newlyLocked: false,
    };
    return { next, result };
  }
  if (failures < rule.threshold) {
    const next = { ...state, failures, forgetAt: Math.max(state.forgetAt, now + forgetMs) };
    return { next, result: { failures, locked: false } };
  }
  const lockNumber = state.lockNumber + 1;
  const seconds = lockSeconds(lockNumber, rule);
  const lockedUntil = now + seconds * 1000;
  // The lock number outlives the lock by forgetAfterSeconds, so waiting a lock out keeps the doubling.
  const next = { failures, lockNumber, lockedUntil, forgetAt: lockedUntil + forgetMs };
  return { next, result: { failures, locked: true, lockSeconds: seconds, lockNumber, newlyLocked: true } };
}

/**
 * A correct code ends the run of wrong codes; the lock number (and any lock) stays.
 * @example
 * const next = applySuccess(stored, now);
 */
export function applySuccess(stored: LockoutState | undefined, now: number): LockoutState {
  return { ...settle(stored, now), failures: 0 };
}

/**
 * Support's unlock: ends the lock and the count; the lock number stays until it is forgotten.
 * @example
 * const next = applyUnlock(stored, now);
 */
export function applyUnlock(stored: LockoutState | undefined, now: number): LockoutState {
  return { ...settle(stored, now), failures: 0, lockedUntil: 0 };
}

/**
 * Whole seconds until `until`, rounded up, at least 1 (the value of `Retry-After`).
 * @example
 * secondsUntil(now + 1500, now); // 2
 */
export function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

/**
 * Serializes a state for the store (a string, as a shared store would keep it).
 * @example
 * store.write(key, encodeState(next));
 */
export function encodeState(state: LockoutState): string {
  return JSON.stringify([1, state.failures, state.lockNumber, state.lockedUntil, state.forgetAt]);
}

/**
 * Reads a stored state; `undefined` when the value is not one (the caller treats that as a store fault).
 * @example
 * const state = decodeState(await store.read(key));
 */
export function decodeState(text: string): LockoutState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 5 || parsed[0] !== 1) return undefined;
  const [, failures, lockNumber, lockedUntil, forgetAt] = parsed as unknown[];
  const counts = [failures, lockNumber, lockedUntil, forgetAt];
  if (!counts.every((value) => typeof value === "number" && Number.isFinite(value) && value >= 0))
    return undefined;
  return {
    failures: failures as number,
    lockNumber: lockNumber as number,
    lockedUntil: lockedUntil as number,
    forgetAt: forgetAt as number,
  };
}
