/**
 * The factor store on Redis (the app's ioredis client). Every key of one account carries the same
 * hash tag, `{u:<base64url user id>}`, so each account lives in one Redis Cluster slot, and every
 * multi-key change of an account is one Lua script over keys of that slot:
 *
 * - `sf:f{u:..}:factors` hash: factor id -> factor JSON
 * - `sf:f{u:..}:destinations` hash: `phone:+1...` / `email:...` -> factor id (one factor per destination)
 * - `sf:f{u:..}:recovery` set: unused recovery code hashes; `sf:f{u:..}:recovery-made`: when made
 * - `sf:f{u:..}:devices` hash: device id -> device JSON; `sf:f{u:..}:device-tokens` hash: token hash -> id
 *
 * The one key outside an account is the passkey credential index, `sf:passkey:{<credential id>}` ->
 * `<user>:<factor id>:<claimed at>`, in a slot of its own. It is never part of a script with account
 * keys: an add claims it first (`SET NX`), then writes the account; a remove deletes from the account
 * first, then the claim. The account is the truth: a reader follows the index and believes it only
 * if the account still has that passkey, so a claim left behind by a crash or an outage between the
 * two steps is never an answer, and it is taken over once it is older than {@link STALE_CLAIM_MS}.
 */
import { ErrorCodes, SecondFactorError } from "../errors.js";
import type { RedisClientLike } from "../limits/redis/client.js";
import { evictionPolicyGate } from "../limits/redis/eviction-policy.js";
import { type LuaScript, luaScript, runScript } from "../limits/redis/scripts.js";
import {
  checkCounter,
  checkKeepLast,
  checkNewFactor,
  checkNewTrustedDevice,
  checkRecoveryHashes,
  checkText,
  checkTime,
  counterMayAdvance,
  destinationKey,
  failClosed,
  oldestFirst,
  randomId,
  sameHash,
} from "./factor-arguments.js";
import type {
  AddFactorResult,
  Factor,
  FactorStore,
  NewFactor,
  PasskeyFactor,
  TrustedDevice,
} from "./index.js";

/** A credential claim whose passkey no account has is taken over after this long (an add crashed). */
const STALE_CLAIM_MS = 30_000;
/** Compare-and-set writes retry on conflicts for at most this long, then fail closed. */
const CONFLICT_DEADLINE_MS = 2000;

/**
 * What {@link createRedisFactorStore} needs.
 * @example
 * const options: RedisFactorStoreOptions = { client: new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS }) };
 */
export interface RedisFactorStoreOptions {
  /** The app's ioredis client, configured to fail closed (`FAIL_CLOSED_REDIS_OPTIONS`). */
  readonly client: RedisClientLike;
}

const ADD_FACTOR = luaScript(`if ARGV[3] ~= '' then
  local existing = redis.call('HGET', KEYS[2], ARGV[3])
  if existing then
    local json = redis.call('HGET', KEYS[1], existing)
    if json then return {0, json} end
  end
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, ARGV[2]}`);

/** Replaces field ARGV[1] of hash KEYS[1] with ARGV[3] only if it is still ARGV[2]: 1, 0 conflict, -1 gone. */
const REPLACE_FIELD = luaScript(`local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return -1 end
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`);

/** Removes a factor and its destination entry; returns the removed JSON, 0 (none) or -1 (kept the last). */
const REMOVE_FACTOR = luaScript(`local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 0 end
if ARGV[2] == '1' and redis.call('HLEN', KEYS[1]) <= 1 then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
local factor = cjson.decode(json)
if factor.kind == 'phone' or factor.kind == 'email' then
  local key = factor.kind .. ':' .. factor.destination
  if redis.call('HGET', KEYS[2], key) == ARGV[1] then redis.call('HDEL', KEYS[2], key) end
end
return json`);

const REPLACE_RECOVERY = luaScript(`redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
redis.call('SET', KEYS[2], ARGV[1])
return 1`);

const READ_RECOVERY = luaScript(`local made = redis.call('GET', KEYS[2])
if not made then return false end
return {made, redis.call('SMEMBERS', KEYS[1])}`);

const CONSUME_RECOVERY = luaScript(`local removed = redis.call('SREM', KEYS[1], ARGV[1])
return {removed, redis.call('SCARD', KEYS[1])}`);

/** Adds a device after dropping the account's expired ones (ARGV[4] is the new device's createdAt). */
const ADD_DEVICE = luaScript(`if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return 0 end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local device = cjson.decode(all[i + 1])
  if device.expiresAt <= tonumber(ARGV[4]) then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('HDEL', KEYS[2], device.tokenHash)
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
return 1`);

const FIND_DEVICE = luaScript(`local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)`);

const REVOKE_DEVICE = luaScript(`local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local device = cjson.decode(json)
if redis.call('HGET', KEYS[2], device.tokenHash) == ARGV[1] then redis.call('HDEL', KEYS[2], device.tokenHash) end
return 1`);

const REVOKE_ALL_DEVICES = luaScript(`local count = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
return count`);

/** Replaces KEYS[1] with ARGV[2] (or deletes it when ARGV[2] is empty) only if it is still ARGV[1]. */
const SWAP_CLAIM = luaScript(`if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`);

interface AccountKeys {
  readonly factors: string;
  readonly destinations: string;
  readonly recovery: string;
  readonly recoveryMade: string;
  readonly devices: string;
  readonly deviceTokens: string;
}

/** One hash tag per account: the user id in base64url, so no `{` or `}` of an id can move the tag. */
function accountKeys(userId: string): AccountKeys {
  const base = `sf:f{u:${Buffer.from(userId, "utf8").toString("base64url")}}:`;
  return {
    factors: `${base}factors`,
    destinations: `${base}destinations`,
    recovery: `${base}recovery`,
    recoveryMade: `${base}recovery-made`,
    devices: `${base}devices`,
    deviceTokens: `${base}device-tokens`,
  };
}

function credentialKey(credentialId: string): string {
  return `sf:passkey:{${credentialId}}`;
}

/**
 * Makes a {@link FactorStore} on an ioredis client. Refuses (before the first operation) a Redis with a
 * `maxmemory-policy` that may evict keys, like the budget store. Every method rejects with
 * `ERR_SF_STORE_UNAVAILABLE` when Redis fails or times out. Use it through `createFactorStore({ kind:
 * "redis", client })`, which checks that the client fails closed.
 * @example
 * const store = createRedisFactorStore({ client: new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS }) });
 */
export function createRedisFactorStore(options: RedisFactorStoreOptions): FactorStore {
  const { client } = options;
  const ensureNoEviction = evictionPolicyGate(client);
  const run = async (script: LuaScript, keys: readonly string[], args: readonly (string | number)[]) => {
    await ensureNoEviction();
    return runScript(client, script, keys, args);
  };
  const command = async (name: string, ...args: (string | number)[]) => {
    await ensureNoEviction();
    return client.call(name, ...args);
  };

  const readFactor = async (userId: string, factorId: string): Promise<Factor | undefined> => {
    const json = await command("HGET", accountKeys(userId).factors, factorId);
    return typeof json === "string" ? parseRecord<Factor>(json) : undefined;
  };

  /** Reads a factor, applies `change`, and writes it back only if nobody wrote it in between. */
  const changeFactor = async (
    userId: string,
    factorId: string,
    change: (factor: Factor) => Factor | undefined,
  ): Promise<"written" | "unchanged" | "gone"> => {
    const key = accountKeys(userId).factors;
    const deadline = Date.now() + CONFLICT_DEADLINE_MS;
    for (;;) {
      const json = await command("HGET", key, factorId);
      if (typeof json !== "string") return "gone";
      const next = change(parseRecord<Factor>(json));
      if (next === undefined) return "unchanged";
      const written = await run(REPLACE_FIELD, [key], [factorId, json, JSON.stringify(next)]);
      if (written === 1) return "written";
      if (written === -1) return "gone";
      if (Date.now() >= deadline) throw new Error("the factor kept changing; gave up after 2 s of conflicts");
    }
  };

  const addPasskey = async (userId: string, factor: PasskeyFactor): Promise<AddFactorResult> => {
    const key = credentialKey(factor.credentialId);
    const claim = `${Buffer.from(userId, "utf8").toString("base64url")}:${factor.id}:${Date.now()}`;
    const deadline = Date.now() + CONFLICT_DEADLINE_MS;
    for (;;) {
      if (Date.now() >= deadline)
        throw new Error("the passkey claim kept changing; gave up after 2 s of conflicts");
      if ((await command("SET", key, claim, "NX")) === "OK") break;
      const current = await command("GET", key);
      if (typeof current !== "string") continue;
      const owner = parseClaim(current);
      const existing = owner && (await readFactor(owner.userId, owner.factorId));
      if (existing?.kind === "passkey" && existing.credentialId === factor.credentialId) {
        return owner?.userId === userId
          ? { status: "already_enrolled", factor: existing }
          : { status: "credential_in_use" };
      }
      // The claim names no passkey: an add still under way (wait for it) or one that crashed (take over).
      if (owner !== undefined && Date.now() - owner.claimedAt < STALE_CLAIM_MS)
        return { status: "credential_in_use" };
      if ((await run(SWAP_CLAIM, [key], [current, claim])) === 1) break;
    }
    // If this write fails, the claim stays: it may have been written after all, and a claim that names
    // no passkey is ignored by readers and taken over later.
    const keys = accountKeys(userId);
    await run(ADD_FACTOR, [keys.factors, keys.destinations], [factor.id, JSON.stringify(factor), ""]);
    return { status: "added", factor };
  };

  const releaseClaim = async (userId: string, factor: PasskeyFactor): Promise<void> => {
    const key = credentialKey(factor.credentialId);
    const current = await command("GET", key);
    const owner = typeof current === "string" ? parseClaim(current) : undefined;
    if (owner?.userId === userId && owner.factorId === factor.id)
      await run(SWAP_CLAIM, [key], [current as string, ""]);
  };

  return {
    async listFactors(userId) {
      checkText(userId, "userId");
      return failClosed(async () => {
        const values = await command("HVALS", accountKeys(userId).factors);
        return oldestFirst(asStrings(values).map((json) => parseRecord<Factor>(json)));
      });
    },

    async getFactor(userId, factorId) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      return failClosed(() => readFactor(userId, factorId));
    },

    async addFactor(userId, input) {
      checkText(userId, "userId");
      const factor = { ...checkNewFactor(input), id: randomId(), userId, lastUsedAt: null } as Factor;
      return failClosed(async () => {
        if (factor.kind === "passkey") return addPasskey(userId, factor);
        const keys = accountKeys(userId);
        const reply = await run(
          ADD_FACTOR,
          [keys.factors, keys.destinations],
          [factor.id, JSON.stringify(factor), destinationKey(factor as NewFactor) ?? ""],
        );
        const [added, json] = reply as [number, string];
        const stored = parseRecord<Factor>(json);
        return added === 1
          ? { status: "added", factor: stored }
          : { status: "already_enrolled", factor: stored };
      });
    },

    async renameFactor(userId, factorId, name) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkText(name, "name");
      return failClosed(
        async () => (await changeFactor(userId, factorId, (f) => ({ ...f, name }))) === "written",
      );
    },

    async touchFactor(userId, factorId, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkTime(at, "at");
      return failClosed(
        async () => (await changeFactor(userId, factorId, (f) => ({ ...f, lastUsedAt: at }))) === "written",
      );
    },

    async updatePasskeyCounter(userId, factorId, counter, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkCounter(counter, "counter");
      checkTime(at, "at");
      return failClosed(async () => {
        let kindFound = true;
        const outcome = await changeFactor(userId, factorId, (factor) => {
          if (factor.kind !== "passkey") {
            kindFound = false;
            return undefined;
          }
          return counterMayAdvance(factor.counter, counter)
            ? { ...factor, counter, lastUsedAt: at }
            : undefined;
        });
        if (outcome === "gone" || !kindFound) return "not_found";
        return outcome === "written" ? "updated" : "not_increased";
      });
    },

    async removeFactor(userId, factorId, options) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      const keepLast = checkKeepLast(options);
      return failClosed(async () => {
        const keys = accountKeys(userId);
        const removed = await run(
          REMOVE_FACTOR,
          [keys.factors, keys.destinations],
          [factorId, keepLast ? "1" : "0"],
        );
        if (removed === -1) return "kept_last";
        if (typeof removed !== "string") return "not_found";
        const factor = parseRecord<Factor>(removed);
        // A failure here leaves a claim that names no passkey: readers ignore it (see the header).
        if (factor.kind === "passkey") await releaseClaim(userId, factor).catch(() => undefined);
        return "removed";
      });
    },

    async findPasskey(credentialId) {
      checkText(credentialId, "credentialId");
      return failClosed(async () => {
        const claim = await command("GET", credentialKey(credentialId));
        const owner = typeof claim === "string" ? parseClaim(claim) : undefined;
        if (owner === undefined) return undefined;
        const factor = await readFactor(owner.userId, owner.factorId);
        return factor?.kind === "passkey" && factor.credentialId === credentialId ? factor : undefined;
      });
    },

    async replaceRecoveryCodes(userId, hashes, createdAt) {
      checkText(userId, "userId");
      const checked = checkRecoveryHashes(hashes);
      checkTime(createdAt, "createdAt");
      const keys = accountKeys(userId);
      await failClosed(() =>
        run(REPLACE_RECOVERY, [keys.recovery, keys.recoveryMade], [createdAt, ...checked]),
      );
    },

    async getRecoveryCodes(userId) {
      checkText(userId, "userId");
      return failClosed(async () => {
        const keys = accountKeys(userId);
        const reply = await run(READ_RECOVERY, [keys.recovery, keys.recoveryMade], []);
        if (!Array.isArray(reply)) return undefined;
        const [made, hashes] = reply as [string, unknown];
        return { hashes: asStrings(hashes), createdAt: parseTime(made) };
      });
    },

    async consumeRecoveryCode(userId, hash) {
      checkText(userId, "userId");
      checkText(hash, "hash");
      return failClosed(async () => {
        const reply = await run(CONSUME_RECOVERY, [accountKeys(userId).recovery], [hash]);
        const [removed, left] = reply as [number, number];
        return { consumed: removed === 1, left };
      });
    },

    async addTrustedDevice(userId, input) {
      checkText(userId, "userId");
      const device: TrustedDevice = { ...checkNewTrustedDevice(input), id: randomId(), userId };
      return failClosed(async () => {
        const keys = accountKeys(userId);
        const added = await run(
          ADD_DEVICE,
          [keys.devices, keys.deviceTokens],
          [device.id, JSON.stringify(device), device.tokenHash, device.createdAt],
        );
        if (added !== 1) {
          throw new SecondFactorError(
            ErrorCodes.INVALID_ARGUMENT,
            "second-factor: the factor store already has a trusted device with this token hash; make a new random token for every device.",
          );
        }
        return device;
      });
    },

    async findTrustedDevice(userId, tokenHash, at) {
      checkText(userId, "userId");
      checkText(tokenHash, "tokenHash");
      checkTime(at, "at");
      return failClosed(async () => {
        const keys = accountKeys(userId);
        const json = await run(FIND_DEVICE, [keys.devices, keys.deviceTokens], [tokenHash]);
        if (typeof json !== "string") return undefined;
        const device = parseRecord<TrustedDevice>(json);
        return device.expiresAt > at && sameHash(device.tokenHash, tokenHash) ? device : undefined;
      });
    },

    async touchTrustedDevice(userId, deviceId, at) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      checkTime(at, "at");
      return failClosed(async () => {
        const key = accountKeys(userId).devices;
        const deadline = Date.now() + CONFLICT_DEADLINE_MS;
        for (;;) {
          const json = await command("HGET", key, deviceId);
          if (typeof json !== "string") return false;
          const device = parseRecord<TrustedDevice>(json);
          if (device.expiresAt <= at) return false;
          const written = await run(
            REPLACE_FIELD,
            [key],
            [deviceId, json, JSON.stringify({ ...device, lastUsedAt: at })],
          );
          if (written !== 0) return written === 1;
          if (Date.now() >= deadline)
            throw new Error("the device kept changing; gave up after 2 s of conflicts");
        }
      });
    },

    async listTrustedDevices(userId, at) {
      checkText(userId, "userId");
      checkTime(at, "at");
      return failClosed(async () => {
        const values = await command("HVALS", accountKeys(userId).devices);
        const devices = asStrings(values).map((json) => parseRecord<TrustedDevice>(json));
        return oldestFirst(devices.filter((device) => device.expiresAt > at));
      });
    },

    async revokeTrustedDevice(userId, deviceId) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      return failClosed(async () => {
        const keys = accountKeys(userId);
        return (await run(REVOKE_DEVICE, [keys.devices, keys.deviceTokens], [deviceId])) === 1;
      });
    },

    async revokeAllTrustedDevices(userId) {
      checkText(userId, "userId");
      return failClosed(async () => {
        const keys = accountKeys(userId);
        return Number(await run(REVOKE_ALL_DEVICES, [keys.devices, keys.deviceTokens], []));
      });
    },
  };
}

function parseClaim(value: string): { userId: string; factorId: string; claimedAt: number } | undefined {
  const [user, factorId, claimedAt] = value.split(":");
  if (user === undefined || factorId === undefined || claimedAt === undefined) return undefined;
  return { userId: Buffer.from(user, "base64url").toString("utf8"), factorId, claimedAt: Number(claimedAt) };
}

/** A record we wrote; anything else in our keys is surfaced as a store failure, never used. */
function parseRecord<T>(json: string): T {
  const value = JSON.parse(json) as unknown;
  if (typeof value !== "object" || value === null)
    throw new Error("the factor store holds a malformed record");
  return Object.freeze(value) as T;
}

function parseTime(value: string): number {
  const time = Number(value);
  if (!Number.isSafeInteger(time)) throw new Error("the factor store holds a malformed time");
  return time;
}

function asStrings(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error("Redis answered something that is not a list");
  return value.map((item) => (Buffer.isBuffer(item) ? item.toString("utf8") : String(item)));
}
