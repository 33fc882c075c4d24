/**
 * Where the examples keep sessions and the library's budgets: the one seam between the environment and
 * the stores. Memory (one process) by default; Redis when `REDIS_URL` is set, for sessions, the
 * library's budgets and the sign-in throttle alike, so that instances sharing `SESSION_SECRET` and
 * `REDIS_URL` share all of them; or the same on a Redis Cluster when `REDIS_CLUSTER_URLS` is set.
 */
import { Cluster, Redis } from "ioredis";
import type { SecondFactorOptions } from "../../src/index.js";
import { FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, FAIL_CLOSED_REDIS_OPTIONS } from "../../src/limits/index.js";
import { ExampleConfigError } from "./config.js";

/** Where sessions and budgets live. */
export type StorageBackend =
  | { readonly kind: "memory" }
  /**
   * An ioredis client (a `Cluster` for `REDIS_CLUSTER_URLS`) made to fail closed (no offline queue,
   * short timeouts), already connected; `url` is for messages (no password).
   */
  | { readonly kind: "redis"; readonly client: Redis | Cluster; readonly url: string };

/** An opened storage backend and how to close it. */
export interface OpenedStorage {
  readonly storage: StorageBackend;
  close(): Promise<void>;
}

/** How long the examples wait for Redis at start before refusing to start. */
const REDIS_CONNECT_TIMEOUT_MS = 3000;

/**
 * Opens the storage the configuration asks for: memory, Redis at `redisUrl`, or the Redis Cluster of
 * `clusterUrls` (connected now, so a wrong URL or a Redis that is down stops the start with a clear
 * message instead of failing requests).
 * @example
 * const { storage, close } = await openStorage(config.redisUrl, config.redisClusterUrls);
 */
export async function openStorage(
  redisUrl: string | undefined,
  clusterUrls?: readonly string[],
): Promise<OpenedStorage> {
  if (clusterUrls !== undefined) {
    if (redisUrl !== undefined) {
      throw new ExampleConfigError(
        "REDIS_URL and REDIS_CLUSTER_URLS are both set: set REDIS_URL for one Redis server or REDIS_CLUSTER_URLS for a Redis Cluster, not both.",
      );
    }
    return openCluster(clusterUrls);
  }
  if (redisUrl === undefined) return { storage: { kind: "memory" }, close: async () => {} };
  const shown = redactedRedisUrl(redisUrl);
  const client = new Redis(redisUrl, {
    ...FAIL_CLOSED_REDIS_OPTIONS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    lazyConnect: true,
  });
  // Connection errors are reported by the requests that meet them (503); this only keeps ioredis quiet.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new ExampleConfigError(
      `Could not connect to Redis at ${shown} (REDIS_URL): ${error instanceof Error ? error.message : String(error)}. Start Redis, fix REDIS_URL, or unset it to keep sessions and budgets in memory.`,
      { cause: error },
    );
  }
  return openedRedis(client, shown);
}

/**
 * Connects an ioredis `Cluster` to the seeds of `REDIS_CLUSTER_URLS`, and every master before the app
 * serves: with the cluster's offline queue off, a command that meets a node still connecting is refused.
 */
async function openCluster(urls: readonly string[]): Promise<OpenedStorage> {
  const seeds = urls.map((raw) => new URL(redactedRedisUrl(raw, "REDIS_CLUSTER_URLS")));
  const shown = `${seeds.map((seed) => `${seed.protocol}//${seed.host}`).join(",")} (Redis Cluster)`;
  // Every node of one cluster takes the same credentials: the first seed's, if it has any.
  const first = new URL(urls[0] as string);
  const client = new Cluster(
    seeds.map((seed) => ({ host: seed.hostname, port: Number(seed.port || 6379) })),
    {
      ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS,
      lazyConnect: true,
      redisOptions: {
        ...FAIL_CLOSED_REDIS_OPTIONS,
        connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
        ...(first.username === "" ? {} : { username: decodeURIComponent(first.username) }),
        ...(first.password === "" ? {} : { password: decodeURIComponent(first.password) }),
        ...(first.protocol === "rediss:" ? { tls: {} } : {}),
      },
    },
  );
  client.on("error", () => {});
  try {
    await withDeadline(client.connect(), REDIS_CONNECT_TIMEOUT_MS);
    await withDeadline(
      Promise.all(client.nodes("master").map((node) => node.ping())),
      REDIS_CONNECT_TIMEOUT_MS,
    );
  } catch (error) {
    client.disconnect();
    throw new ExampleConfigError(
      `Could not connect to the Redis Cluster at ${shown} (REDIS_CLUSTER_URLS): ${error instanceof Error ? error.message : String(error)}. Start the cluster, fix REDIS_CLUSTER_URLS, or unset it.`,
      { cause: error },
    );
  }
  return openedRedis(client, shown);
}

function openedRedis(client: Redis | Cluster, shown: string): OpenedStorage {
  return {
    storage: { kind: "redis", client, url: shown },
    close: async () => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The library's `limits` option for a storage backend (`undefined`: the library's memory default).
 * @example
 * secondFactor({ provider, user, limits: limitsFor(storage) });
 */
export function limitsFor(storage: StorageBackend): SecondFactorOptions["limits"] {
  switch (storage.kind) {
    case "memory":
      return undefined;
    case "redis":
      return { store: { kind: "redis", client: storage.client } };
  }
}

/** A Redis URL of `variable` for messages: scheme, host and port, never the password. */
function redactedRedisUrl(raw: string, variable = "REDIS_URL"): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExampleConfigError(`${variable} must be a URL such as redis://127.0.0.1:6379.`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ExampleConfigError(
      `${variable} must start with redis:// or rediss://, such as redis://127.0.0.1:6379; got a ${url.protocol} URL.`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

/**
 * A session store failed (its own error is the `cause`). The examples' error handlers answer it with
 * 503 and `Retry-After`, never 500.
 * @example
 * store.get(sid, (error, data) => callback(error ? new SessionStoreError(error) : null, data));
 */
export class SessionStoreError extends Error {
  override readonly name = "SessionStoreError";
  /** The status the examples answer with. */
  readonly status = 503;
  constructor(cause: unknown) {
    super("The session store failed.", { cause });
  }
}

/**
 * True for a session-store failure: ours ({@link SessionStoreError}) or the library's
 * (`ERR_SF_STORE_UNAVAILABLE`, recognised by its code as the library asks).
 * @example
 * if (isSessionStoreFailure(error)) return storeUnavailable();
 */
export function isSessionStoreFailure(error: unknown): boolean {
  if (error instanceof SessionStoreError) return true;
  return (error as { code?: unknown } | null)?.code === "ERR_SF_STORE_UNAVAILABLE";
}

/**
 * Seconds a client is told to wait after a session-store failure.
 * @default 5
 * @example
 * res.setHeader("Retry-After", String(STORE_RETRY_AFTER_SECONDS));
 */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The store interface koa-session uses (an external store keeps the session server-side). */
export interface KoaSessionStore {
  get(key: string, maxAge: number | "session" | undefined, data: unknown): Promise<unknown>;
  set(key: string, session: unknown, maxAge: number | "session" | undefined, data: unknown): Promise<void>;
  destroy(key: string, data: unknown): Promise<void>;
}

/**
 * A server-side session store for koa-session, in memory: entries expire after their `maxAge` and
 * expired ones are swept as the store is used.
 * @example
 * app.use(session({ store: memorySessionStore() }, app));
 */
export function memorySessionStore(now: () => number = Date.now): KoaSessionStore {
  const entries = new Map<string, { json: string; expiresAt: number }>();
  let nextSweep = 0;
  const sweep = () => {
    const time = now();
    if (time < nextSweep) return;
    nextSweep = time + 60_000;
    for (const [key, entry] of entries) if (entry.expiresAt <= time) entries.delete(key);
  };
  return {
    async get(key) {
      sweep();
      const entry = entries.get(key);
      if (entry === undefined || entry.expiresAt <= now()) return undefined;
      // A copy each time, as a networked store would give: no request shares objects with another.
      return JSON.parse(entry.json) as unknown;
    },
    async set(key, session, maxAge) {
      sweep();
      const ttl = typeof maxAge === "number" ? maxAge : 24 * 60 * 60 * 1000;
      entries.set(key, { json: JSON.stringify(session), expiresAt: now() + ttl });
    },
    async destroy(key) {
      entries.delete(key);
    },
  };
}

/**
 * Wraps a koa-session store so that its failures become {@link SessionStoreError} (answered with 503).
 * @example
 * app.use(session({ store: guardedKoaStore(memorySessionStore()) }, app));
 */
export function guardedKoaStore(store: KoaSessionStore): KoaSessionStore {
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw new SessionStoreError(error);
    }
  };
  return {
    get: (key, maxAge, data) => guard(() => store.get(key, maxAge, data)),
    set: (key, session, maxAge, data) => guard(() => store.set(key, session, maxAge, data)),
    destroy: (key, data) => guard(() => store.destroy(key, data)),
  };
}
