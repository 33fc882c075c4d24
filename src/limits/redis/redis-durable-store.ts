/**
 * The {@link DurableStore} on Redis: failure counts, locks and single-use markers shared by every
 * instance. Atomic with one client (no WATCH, which needs a connection of its own): `update` is a
 * compare-and-set in Lua, re-run on a conflict; `claim` is one Lua script. Expiry follows the app clock
 * (the value carries it); the Redis TTL is set to the same moment, so every key also expires in Redis.
 */
import type { DurableStore, DurableWrite } from "../durable-store.js";
import type { RedisClientLike } from "./client.js";
import { evictionPolicyGate } from "./eviction-policy.js";
import { CLAIM, COMPARE_AND_SET, runScript } from "./scripts.js";

/** How long `update` keeps retrying on conflicts before it gives up with a store error, in ms. */
const UPDATE_DEADLINE_MS = 2000;

/**
 * What {@link createRedisDurableStore} needs.
 * @example
 * const options: RedisDurableStoreOptions = { client: redis, now: Date.now };
 */
export interface RedisDurableStoreOptions {
  readonly client: RedisClientLike;
  /** The app clock, in ms. */
  readonly now: () => number;
}

/**
 * A {@link DurableStore} on an ioredis client. Values are stored as `<expiresAt>|<value>` (app clock,
 * ms) with a Redis TTL to the same moment; the store never evicts them early as long as Redis has
 * `maxmemory-policy noeviction`, which it checks before its first operation. Every method rejects
 * when Redis fails or times out.
 * @example
 * const durable = createRedisDurableStore({ client: redis, now: Date.now });
 * await durable.claim("sf:once:abc", Date.now() + 60_000);
 */
export function createRedisDurableStore(options: RedisDurableStoreOptions): DurableStore {
  const { client, now } = options;
  const ensureNoEviction = evictionPolicyGate(client);

  const readRaw = async (key: string): Promise<string | null> => {
    await ensureNoEviction();
    return client.get(key);
  };

  return {
    async read(key) {
      return liveValue(await readRaw(key), now());
    },

    async update(key, change) {
      const deadline = Date.now() + UPDATE_DEADLINE_MS;
      for (let attempt = 0; ; attempt += 1) {
        const raw = await readRaw(key);
        const at = now();
        const next = change(liveValue(raw, at));
        const written = next === null || next.expiresAt <= at ? "" : encode(next);
        const ttlMs = next === null ? 0 : ttlFrom(next.expiresAt, at);
        const applied = await runScript(client, COMPARE_AND_SET, [key], [raw ?? "", written, ttlMs]);
        if (applied === 1) return;
        if (Date.now() >= deadline) {
          throw new Error(`the Redis store could not apply an update after ${attempt + 1} conflicts`);
        }
        // Spreads out writers racing on one key, so each round lets one of them through.
        if (attempt >= 2) await pause(Math.random() * 2);
      }
    },

    async claim(key, expiresAt) {
      await ensureNoEviction();
      const at = now();
      const write = { value: "1", expiresAt };
      const written = await runScript(
        client,
        CLAIM,
        [key],
        [String(at), encode(write), ttlFrom(expiresAt, at)],
      );
      return written === 1;
    },

    async delete(key) {
      await ensureNoEviction();
      await client.del(key);
    },
  };
}

/** `<expiresAt>|<value>`, the expiry rounded up to a whole ms so the Lua side can read it. */
function encode(write: DurableWrite): string {
  return `${Math.ceil(write.expiresAt)}|${write.value}`;
}

function liveValue(raw: string | null, at: number): string | undefined {
  if (raw === null) return undefined;
  const separator = raw.indexOf("|");
  const expiresAt = separator > 0 ? Number(raw.slice(0, separator)) : Number.NaN;
  // A value that does not carry its expiry is not ours: surface it so the caller denies (503).
  if (!Number.isFinite(expiresAt)) return raw;
  return expiresAt > at ? raw.slice(separator + 1) : undefined;
}

function ttlFrom(expiresAt: number, at: number): number {
  return Math.max(1, Math.ceil(expiresAt - at));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
