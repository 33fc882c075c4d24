/**
 * A koa-session external store on the app's ioredis client: server-side sessions that every instance
 * shares, on the same fail-closed client as the budgets (`koa-redis` pins an old ioredis).
 */
import { createHash } from "node:crypto";
import { ErrorCodes, SecondFactorError } from "../../src/errors.js";
import { assertFailClosedRedisClient, type RedisClientLike } from "../../src/limits/redis/client.js";

/** Default key prefix of session entries. */
const DEFAULT_PREFIX = "sf:koa:sess:";
/** Default lifetime of a `maxAge: "session"` entry (the cookie has none): one day, in ms. */
const DEFAULT_SESSION_TTL_MS = 86_400_000;

/**
 * Options of {@link redisSessionStore}.
 * @example
 * const options: RedisSessionStoreOptions = { prefix: "myapp:sess:" };
 */
export interface RedisSessionStoreOptions {
  /** Prefix of every session key (1 to 100 characters). @default "sf:koa:sess:" */
  prefix?: string;
  /**
   * Lifetime in ms of sessions whose cookie has no `maxAge` (`maxAge: "session"`); other sessions live
   * as long as koa-session asks (its `maxAge` plus 10 s).
   * @default 86400000 (one day)
   */
  sessionTtlMs?: number;
}

/**
 * The external store koa-session calls (`get`, `set`, `destroy`).
 * @example
 * app.use(session({ store: redisSessionStore(redis), key: "sid" }, app));
 */
export interface RedisSessionStore {
  get(key: string, maxAge?: unknown, options?: unknown): Promise<Record<string, unknown> | undefined>;
  set(key: string, session: unknown, maxAge?: unknown, options?: unknown): Promise<void>;
  destroy(key: string, options?: unknown): Promise<void>;
}

/**
 * A koa-session `store` on an ioredis client that fails closed (checked now, as for the budgets: see
 * `FAIL_CLOSED_REDIS_OPTIONS`), or an ioredis `Cluster` (`FAIL_CLOSED_REDIS_CLUSTER_OPTIONS`: every
 * call touches one key, so any slot will do). Each session is one JSON string under the prefix and the SHA-256 of
 * its id (the id is a bearer secret; a 128-bit random id needs no key to be safe to hash), with a
 * TTL. When Redis is down or slow its calls reject, koa-session throws, and `mfa.sessionErrorHandler()`
 * answers 503 with `Retry-After`. An entry that is not valid JSON reads as no session.
 * @default options { prefix: "sf:koa:sess:", sessionTtlMs: 86400000 }
 * @example
 * import { Redis } from "ioredis";
 * import session from "koa-session";
 * import { FAIL_CLOSED_REDIS_OPTIONS } from "second-factor";
 * import { redisSessionStore } from "second-factor/koa";
 *
 * const redis = new Redis(process.env.REDIS_URL!, { ...FAIL_CLOSED_REDIS_OPTIONS });
 * app.use(mfa.sessionErrorHandler());
 * app.use(session({ store: redisSessionStore(redis) }, app));
 */
export function redisSessionStore(
  client: RedisClientLike,
  options: RedisSessionStoreOptions = {},
): RedisSessionStore {
  assertFailClosedRedisClient(client, "redisSessionStore(client)");
  const { prefix, sessionTtlMs } = parseOptions(options);
  const keyOf = (id: string): string => {
    if (typeof id !== "string" || id.length === 0) throw badSessionId();
    // The store never holds the session id itself: a leaked key list cannot be replayed as cookies.
    return `${prefix}${createHash("sha256").update(id, "utf8").digest("base64url")}`;
  };

  return {
    async get(id) {
      const text = await client.get(keyOf(id));
      if (text === null) return undefined;
      return parseSession(text);
    },
    async set(id, session, maxAge) {
      if (typeof session !== "object" || session === null || Array.isArray(session)) {
        throw new SecondFactorError(
          ErrorCodes.MISCONFIGURED,
          "redisSessionStore: koa-session passed a session that is not an object.",
          { status: 500 },
        );
      }
      const ttlMs =
        typeof maxAge === "number" && Number.isFinite(maxAge) && maxAge > 0
          ? Math.ceil(maxAge)
          : sessionTtlMs;
      await client.set(keyOf(id), JSON.stringify(session), "PX", ttlMs);
    },
    async destroy(id) {
      await client.del(keyOf(id));
    },
  };
}

function parseSession(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseOptions(options: RedisSessionStoreOptions): { prefix: string; sessionTtlMs: number } {
  if (typeof options !== "object" || options === null) {
    throw invalid("options", "must be an object", 'pass e.g. `{ prefix: "myapp:sess:" }` or nothing');
  }
  for (const key of Object.keys(options)) {
    if (key !== "prefix" && key !== "sessionTtlMs") {
      throw invalid(key, "is not an option", "remove it; the known keys are prefix, sessionTtlMs");
    }
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > 100) {
    throw invalid("prefix", "must be a string of 1 to 100 characters", 'use e.g. "myapp:sess:"');
  }
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  if (typeof sessionTtlMs !== "number" || !Number.isInteger(sessionTtlMs) || sessionTtlMs < 1000) {
    throw invalid("sessionTtlMs", "must be a whole number of ms, at least 1000", "use e.g. 86400000 (a day)");
  }
  return { prefix, sessionTtlMs };
}

function invalid(name: string, problem: string, fix: string): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.INVALID_OPTION,
    `Option \`redisSessionStore.${name}\` ${problem}. Fix: ${fix}.`,
    { status: 500 },
  );
}

function badSessionId(): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    "redisSessionStore: koa-session passed an empty or non-string session id.",
    { status: 500 },
  );
}
