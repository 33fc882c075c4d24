/**
 * Failure counts, locks and single-use markers must never be evicted (DESIGN §4), and every key of ours
 * has a TTL, so any `maxmemory-policy` but `noeviction` (even `volatile-*`) could drop a lock under
 * memory pressure that an attacker can cause. This checks the policy once, before the first use.
 */
import { ErrorCodes, SecondFactorError } from "../../errors.js";
import { isRedisCluster, type RedisClientLike } from "./client.js";

/**
 * Makes a gate that resolves once Redis is known to keep every key (`maxmemory-policy noeviction`), or
 * cannot tell (a server that refuses `CONFIG GET`, as some managed services do: see docs/scaling.md),
 * and rejects with `ERR_SF_MISCONFIGURED` while Redis may evict. Only a pass is remembered: after a
 * refusal or a connection failure the check runs again on the next call, so fixing the policy on the
 * server is enough, without restarting the app. On a Cluster every master is asked (a key may live on
 * any of them); a cluster with no master connected yet is not a pass.
 * @example
 * const ensureNoEviction = evictionPolicyGate(client);
 * await ensureNoEviction();
 */
export function evictionPolicyGate(client: RedisClientLike): () => Promise<void> {
  let passed: Promise<void> | undefined;
  return () => {
    passed ??= checkEveryServer(client).catch((error: unknown) => {
      passed = undefined;
      throw error;
    });
    return passed;
  };
}

async function checkEveryServer(client: RedisClientLike): Promise<void> {
  if (!isRedisCluster(client)) return checkPolicy(client);
  const masters = client.nodes("master");
  if (masters.length === 0) throw new Error("the Redis Cluster has no master connected yet");
  await Promise.all(masters.map((master) => checkPolicy(master)));
}

async function checkPolicy(client: RedisClientLike): Promise<void> {
  let reply: unknown;
  try {
    reply = await client.call("CONFIG", "GET", "maxmemory-policy");
  } catch (error) {
    // The server answered but refused the command (disabled or not permitted): it cannot be checked.
    if (isReplyError(error)) return;
    throw error;
  }
  const policy = Array.isArray(reply) ? reply[1] : undefined;
  const text = Buffer.isBuffer(policy) ? policy.toString("utf8") : policy;
  if (typeof text !== "string" || text === "noeviction") return;
  throw new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    `second-factor: Redis has \`maxmemory-policy ${text}\`, which may evict failure counts, locks and ` +
      "single-use markers under memory pressure. Fix: set `maxmemory-policy noeviction` on this Redis " +
      "(a full Redis then refuses writes, and the flow answers 503).",
    { status: 500 },
  );
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}
