/**
 * The account lockout as pure state transitions (DESIGN §4 rule 7), so the memory store and the shared
 * Redis store (a Lua compare-and-set around these functions) apply exactly the same rule.
 */

import type { CheckHold, LockStatus, WrongCodeResult } from "./api.js";
import type { LockoutConfig } from "./config.js";

/**
 * A check in flight: it holds one of the account's remaining failures until the provider answers
 * (or `until`, so that a process that died mid-check frees the slot by itself).
 * @example
 * const hold: Hold = { id: "k3JzQ0sV", until: Date.now() + 8_000 };
 */
export interface Hold {
  readonly id: string;
  /** When the hold lapses on its own (app clock, ms). */
  readonly until: number;
}

/**
 * What the store keeps per account. Times are on the app clock, in ms.
 * @example
 * const state: LockoutState = { failures: 3, lockNumber: 1, lockedUntil: 0, forgetAt: 1_700_086_400_000, holds: [] };
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
  /** Checks in flight, each holding one of the failures left before the lock. */
  readonly holds: readonly Hold[];
}

const EMPTY: LockoutState = Object.freeze({
  failures: 0,
  lockNumber: 0,
  lockedUntil: 0,
  forgetAt: 0,
  holds: Object.freeze([]),
});

/**
 * The state as it stands at `now`: forgotten after `forgetAt`; after a lock ends the count restarts
 * at 0 but the lock number stays, so waiting out a lock does not reset the doubling.
 * @example
 * settle(stored, Date.now()).failures;
 */
export function settle(state: LockoutState | undefined, now: number): LockoutState {
  if (state === undefined || state.forgetAt <= now) return EMPTY;
  const holds = state.holds.some((hold) => hold.until <= now)
    ? state.holds.filter((hold) => hold.until > now)
    : state.holds;
  if (state.lockedUntil !== 0 && state.lockedUntil <= now) {
    return { ...state, failures: 0, lockedUntil: 0, holds };
  }
  return holds === state.holds ? state : { ...state, holds };
}

/**
 * True when nothing is worth storing (the entry can be deleted).
 * @example
 * if (isEmpty(next)) await store.delete(key);
 */
export function isEmpty(state: LockoutState): boolean {
  return (
    state.failures === 0 && state.lockNumber === 0 && state.lockedUntil === 0 && state.holds.length === 0
  );
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
 * Reserve before you check: a code check takes one of the failures the account has left before the
 * lock, so that however many checks run at once, no more reach the provider than could be wrong
 * before the lock (with 9 wrong codes of 10 counted, exactly one). Refused while locked, or while
 * every remaining failure is held by a check in flight (retry once the earliest one is decided).
 * @example
 * const { next, result } = applyReserve(stored, now, rule, "k3JzQ0sV", now + 8_000);
 */
export function applyReserve(
  stored: LockoutState | undefined,
  now: number,
  rule: LockoutConfig,
  id: string,
  until: number,
): { next: LockoutState; result: CheckHold } {
  const state = settle(stored, now);
  if (state.lockedUntil > now) {
    return {
      next: state,
      result: { ok: false, locked: true, retryAfterSeconds: secondsUntil(state.lockedUntil, now) },
    };
  }
  if (state.failures + state.holds.length >= rule.threshold) {
    const earliest = Math.min(...state.holds.map((hold) => hold.until));
    return {
      next: state,
      result: { ok: false, locked: false, retryAfterSeconds: secondsUntil(earliest, now) },
    };
  }
  // The state outlives the hold, so an entry holding only checks in flight is not dropped early.
  const next = {
    ...state,
    holds: [...state.holds, { id, until }],
    forgetAt: Math.max(state.forgetAt, until),
  };
  return { next, result: { ok: true, hold: id } };
}

/**
 * A held check that ended without a verdict on the code (outage, dead verification, refused budget):
 * its slot is free again and nothing is counted.
 * @example
 * const next = applyRelease(stored, now, hold);
 */
export function applyRelease(stored: LockoutState | undefined, now: number, id: string): LockoutState {
  return withoutHold(settle(stored, now), id);
}

function withoutHold(state: LockoutState, id: string | undefined): LockoutState {
  if (id === undefined || !state.holds.some((hold) => hold.id === id)) return state;
  return { ...state, holds: state.holds.filter((hold) => hold.id !== id) };
}

/**
 * One wrong code: counts it (the check's hold, if any, becomes the failure); at the threshold starts the next (longer) lock. A wrong code that
 * arrives during a lock (its check was in flight) is counted but does not start another lock.
 * @example
 * const { next, result } = applyWrongCode(stored, now, rule);
 */
export function applyWrongCode(
  stored: LockoutState | undefined,
  now: number,
  rule: LockoutConfig,
  hold?: string,
): { next: LockoutState; result: WrongCodeResult } {
  const state = withoutHold(settle(stored, now), hold);
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
  const next = { failures, lockNumber, lockedUntil, forgetAt: lockedUntil + forgetMs, holds: state.holds };
  return { next, result: { failures, locked: true, lockSeconds: seconds, lockNumber, newlyLocked: true } };
}

/**
 * A correct code ends the run of wrong codes and frees its hold; the lock number stays. Once a lock is
 * decided a correct code changes nothing and the result says locked: it must not verify (its hold
 * lapsed and other checks locked the account while it was in flight).
 * @example
 * const { next, result } = applySuccess(stored, now, hold);
 * if (result.locked) return refuseLocked(result.retryAfterSeconds);
 */
export function applySuccess(
  stored: LockoutState | undefined,
  now: number,
  hold?: string,
): { next: LockoutState; result: LockStatus } {
  const state = withoutHold(settle(stored, now), hold);
  if (state.lockedUntil > now) return { next: state, result: statusOf(state, now) };
  return { next: { ...state, failures: 0 }, result: { locked: false, failures: 0 } };
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
  const counts = [state.failures, state.lockNumber, state.lockedUntil, state.forgetAt];
  // Version 1 while nothing is in flight: instances of the previous release read it too.
  if (state.holds.length === 0) return JSON.stringify([1, ...counts]);
  return JSON.stringify([2, ...counts, state.holds.map((hold) => [hold.id, hold.until])]);
}

/**
 * When a stored state may be dropped: after its `forgetAt` and after every hold lapsed.
 * @example
 * store.write(key, { value: encodeState(next), expiresAt: expiryOf(next) });
 */
export function expiryOf(state: LockoutState): number {
  return state.holds.reduce((latest, hold) => Math.max(latest, hold.until), state.forgetAt);
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
  if (!Array.isArray(parsed)) return undefined;
  const version = parsed[0];
  if (!((version === 1 && parsed.length === 5) || (version === 2 && parsed.length === 6))) return undefined;
  const [, failures, lockNumber, lockedUntil, forgetAt, storedHolds] = parsed as unknown[];
  const counts = [failures, lockNumber, lockedUntil, forgetAt];
  if (!counts.every(isCount)) return undefined;
  const holds = version === 1 ? [] : decodeHolds(storedHolds);
  if (holds === undefined) return undefined;
  return {
    failures: failures as number,
    lockNumber: lockNumber as number,
    lockedUntil: lockedUntil as number,
    forgetAt: forgetAt as number,
    holds,
  };
}

function decodeHolds(value: unknown): Hold[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const holds: Hold[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const [id, until] = entry as unknown[];
    if (typeof id !== "string" || id.length === 0 || id.length > 64 || !isCount(until)) return undefined;
    holds.push({ id, until: until as number });
  }
  return holds;
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
