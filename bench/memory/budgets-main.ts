/**
 * The memory the budgets hold under many distinct users and IPs (started with `--expose-gc`):
 * - flood budgets (rate-limiter-flexible memory): bytes per user, and that keys go after their window;
 * - failure counts (the durable memory store): bytes per entry, and what happens when it is full.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isSecondFactorError } from "../../src/errors.js";
import { createLimits, DEFAULT_MEMORY_MAX_ENTRIES } from "../../src/limits/index.js";
import { phoneFor } from "../apps/users.js";
import { childConfig, serveIpc } from "../lib/ipc.js";

/** The settings of {@link run}. */
export interface BudgetsConfig {
  /** Distinct users (each with its own session, phone number and IP). */
  readonly keys: number;
}

/**
 * What the budgets held.
 * @example
 * const perUser = result.flood.bytesPerUser;
 */
export interface BudgetsResult {
  readonly keys: number;
  readonly flood: {
    /** Heap held after one send and one check of each distinct user (8 budget keys each). */
    readonly bytesPerUser: number;
    readonly bytesPerKey: number;
    /** With 1-second windows: heap per user still held 2 s after the last consume. */
    readonly bytesPerUserAfterWindow: number;
  };
  readonly failures: {
    /** The cap of the durable memory store (`memoryMaxEntries`) in this run, and its default. */
    readonly cap: number;
    readonly defaultCap: number;
    readonly bytesPerEntry: number;
    /** A new account's wrong code once the store is full: the error's code, status and Retry-After. */
    readonly whenFull:
      | { readonly code: string; readonly status: number; readonly retryAfter: string | undefined }
      | "accepted";
    /** An account already in the full store can still be counted. */
    readonly existingStillCounted: boolean;
    /** A single-use marker (e.g. one approval, one session) is refused too while full. */
    readonly markerWhenFull: string;
    /** After the entries' forget time (24 h on the app clock), a new account is counted again. */
    readonly acceptedAfterExpiry: boolean;
  };
}

const SECRET = "bench-budgets-secret-bench-budgets-secret-0123";

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("the budgets bench needs node --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A distinct IPv4 address per user, outside any private range that might be grouped. */
function ipFor(n: number): string {
  return `11.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function keysOf(n: number) {
  return { sessionKey: `bench-session-key-${n}`, userId: `u${n}`, destination: phoneFor(n), ip: ipFor(n) };
}

async function floodBytesPerUser(
  keys: number,
  windowSeconds: number | undefined,
): Promise<{ held: number; after: number }> {
  const rule =
    windowSeconds === undefined ? undefined : { points: 1_000_000, durationSeconds: windowSeconds };
  const scopes = rule === undefined ? undefined : { session: rule, user: rule, destination: rule, ip: rule };
  const limits = createLimits({
    secret: SECRET,
    ...(scopes === undefined ? {} : { sends: scopes, checks: scopes }),
  });
  const before = heapAfterGc();
  for (let n = 0; n < keys; n++) {
    const consumed = await limits.consumeSend(keysOf(n));
    const checked = await limits.consumeCheck(keysOf(n));
    if (!consumed.ok || !checked.ok) throw new Error(`user ${n} was refused a first send or check`);
  }
  const held = (heapAfterGc() - before) / keys;
  if (windowSeconds === undefined) return { held, after: held };
  await sleep(windowSeconds * 1000 + 1_000);
  return { held, after: (heapAfterGc() - before) / keys };
}

async function failureCounts(cap: number): Promise<BudgetsResult["failures"]> {
  let clock = Date.UTC(2030, 0, 1);
  const limits = createLimits({ secret: SECRET, memoryMaxEntries: cap, now: () => clock });
  const before = heapAfterGc();
  for (let n = 0; n < cap; n++) await limits.recordWrongCode(`u${n}`);
  const bytesPerEntry = (heapAfterGc() - before) / cap;
  let whenFull: BudgetsResult["failures"]["whenFull"] = "accepted";
  try {
    await limits.recordWrongCode(`u${cap}`);
  } catch (error) {
    if (!isSecondFactorError(error)) throw error;
    whenFull = { code: error.code, status: error.status, retryAfter: error.headers["Retry-After"] };
  }
  const existing = await limits.recordWrongCode("u0");
  let markerWhenFull = "claimed";
  try {
    await limits.claimOnce("bench-marker", 60_000);
  } catch (error) {
    markerWhenFull = isSecondFactorError(error) ? `${error.code} (${error.status})` : String(error);
  }
  clock += 2 * 86_400_000;
  let acceptedAfterExpiry = true;
  try {
    await limits.recordWrongCode(`u${cap + 1}`);
  } catch {
    acceptedAfterExpiry = false;
  }
  return {
    cap,
    defaultCap: DEFAULT_MEMORY_MAX_ENTRIES,
    bytesPerEntry,
    whenFull,
    existingStillCounted: existing.failures === 2,
    markerWhenFull,
    acceptedAfterExpiry,
  };
}

async function run(payload: unknown): Promise<BudgetsResult> {
  const { keys } = payload as BudgetsConfig;
  const flood = await floodBytesPerUser(keys, undefined);
  const windowed = await floodBytesPerUser(keys, 1);
  return {
    keys,
    flood: { bytesPerUser: flood.held, bytesPerKey: flood.held / 8, bytesPerUserAfterWindow: windowed.after },
    failures: await failureCounts(keys),
  };
}

childConfig<Record<string, never>>();
serveIpc({ run });
