/**
 * The store for what must never be forgotten early: failure counts, locks and single-use markers.
 * A memory store that is full refuses new entries; it never evicts one (DESIGN §4).
 */
import { storeFull } from "./failures.js";

/**
 * One entry to write: its value and when it may be dropped (app clock, ms).
 * @example
 * const write: DurableWrite = { value: "[1,3,0,0,0]", expiresAt: Date.now() + 86_400_000 };
 */
export interface DurableWrite {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * A key/value store with expiry and two atomic operations. The memory implementation is below; the
 * Redis one (`redis/durable-store.ts`) implements `update` as a Lua compare-and-set re-running `change`
 * on a conflict, and `claim` as one Lua script. Every method rejects when the store fails.
 * @example
 * const claimed = await store.claim("sf:once:abc", now + 60_000);
 */
export interface DurableStore {
  /** The live value under `key`, or `undefined`. */
  read(key: string): Promise<string | undefined>;
  /**
   * Atomically replaces the value under `key` with what `change` returns for the current live value
   * (`null` deletes it). `change` must be pure: a shared store may call it again on a conflict.
   */
  update(key: string, change: (current: string | undefined) => DurableWrite | null): Promise<void>;
  /** Writes `key` only when no live value is there; true when this call wrote it. */
  claim(key: string, expiresAt: number): Promise<boolean>;
  /** Removes `key` (no error when it is absent). */
  delete(key: string): Promise<void>;
}

/** The longest `Retry-After` a full memory store answers with, in seconds. */
const MAX_FULL_RETRY_AFTER_SECONDS = 60;

/**
 * An in-process {@link DurableStore} on a Map with a hard cap on entries. Expired entries are dropped
 * when read and swept when the cap is reached; live ones are never evicted: a write of a new key into
 * a full store throws `ERR_SF_STORE_UNAVAILABLE` (503). Single process only.
 * @example
 * const store = createMemoryDurableStore({ maxEntries: 100_000, now: Date.now });
 */
export function createMemoryDurableStore(options: { maxEntries: number; now: () => number }): DurableStore {
  const entries = new Map<string, DurableWrite>();
  const { maxEntries, now } = options;
  // Earliest expiry seen by the last sweep: sweeping again before then cannot free anything.
  let nextUsefulSweep = Number.NEGATIVE_INFINITY;

  const live = (key: string, at: number): DurableWrite | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const sweep = (at: number): void => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= at) entries.delete(key);
      else earliest = Math.min(earliest, entry.expiresAt);
    }
    nextUsefulSweep = earliest;
  };

  const makeRoomFor = (key: string, at: number): void => {
    if (entries.has(key) || entries.size < maxEntries) return;
    if (at >= nextUsefulSweep) sweep(at);
    if (entries.size >= maxEntries) {
      const waitMs = nextUsefulSweep - at;
      throw storeFull(Math.min(MAX_FULL_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(waitMs / 1000))));
    }
  };

  const write = (key: string, entry: DurableWrite, at: number): void => {
    if (entry.expiresAt <= at) {
      entries.delete(key);
      return;
    }
    makeRoomFor(key, at);
    entries.set(key, { value: entry.value, expiresAt: entry.expiresAt });
  };

  return {
    async read(key) {
      return live(key, now())?.value;
    },
    async update(key, change) {
      const at = now();
      const next = change(live(key, at)?.value);
      if (next === null) entries.delete(key);
      else write(key, next, at);
    },
    async claim(key, expiresAt) {
      const at = now();
      if (live(key, at) !== undefined) return false;
      write(key, { value: "1", expiresAt }, at);
      return entries.has(key);
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}
