/**
 * The Lua scripts of the Redis store, run by SHA with a fallback to the script's text when Redis does
 * not know it (after a restart or `SCRIPT FLUSH`). Each runs atomically on one key.
 */
import { createHash } from "node:crypto";
import type { RedisClientLike } from "./client.js";

/**
 * A Lua script and its SHA-1.
 * @example
 * const script = luaScript("return redis.call('GET', KEYS[1])");
 */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

/**
 * Wraps Lua source with its SHA-1 (for `EVALSHA`).
 * @example
 * const ping = luaScript("return 1");
 */
export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash("sha1").update(lua, "utf8").digest("hex") };
}

/**
 * Replaces the value under KEYS[1] only if it is still ARGV[1] (`""` meaning absent): with ARGV[2] for
 * ARGV[3] ms, or deletes it when ARGV[2] is `""`. Returns 1 when written, 0 on a conflict.
 * @example
 * const written = await runScript(client, COMPARE_AND_SET, [key], [previousRaw ?? "", nextRaw, ttlMs]);
 */
export const COMPARE_AND_SET = luaScript(`local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`);

/**
 * Writes ARGV[2] under KEYS[1] for ARGV[3] ms unless a value is there whose expiry (the number before
 * the first "|") is later than ARGV[1] (the app clock). A value it cannot read counts as live. Returns 1
 * when this call wrote it.
 */
export const CLAIM = luaScript(`local current = redis.call('GET', KEYS[1])
if current then
  local expiresAt = tonumber(string.match(current, '^(%d+)|'))
  if expiresAt == nil or expiresAt > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`);

/**
 * Runs `script` with `EVALSHA`, loading it with `EVAL` when Redis answers `NOSCRIPT`.
 * @example
 * const written = await runScript(client, COMPARE_AND_SET, [key], [expected, next, ttlMs]);
 */
export async function runScript(
  client: RedisClientLike,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}
