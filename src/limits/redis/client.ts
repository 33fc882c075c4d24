/**
 * The ioredis client the Redis store runs on (a single `Redis` or a `Cluster`), and the check that it
 * fails closed: no offline queue (a command sent while Redis is away rejects at once instead of
 * waiting), a command timeout (a slow Redis rejects instead of hanging), a bounded retry count, and a
 * reconnect strategy (service resumes by itself). The package does not import ioredis: the app passes
 * its own client.
 */
import { describeValue, optionProblem } from "../../options/checks.js";

/**
 * The part of an ioredis 5 client that second-factor uses. Any ioredis `Redis` instance fits, and so
 * does an ioredis `Cluster` (made with {@link FAIL_CLOSED_REDIS_CLUSTER_OPTIONS}).
 * @example
 * import { Redis } from "ioredis";
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!, { ...FAIL_CLOSED_REDIS_OPTIONS });
 */
export interface RedisClientLike {
  /** ioredis' connection state: `"ready"` when commands can run. */
  readonly status: string;
  /** The options the client was made with (read to check it fails closed). */
  readonly options: object;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: "PX", milliseconds: number): Promise<unknown>;
  del(key: string): Promise<number>;
  eval(script: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  evalsha(sha: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * The longest `commandTimeout` accepted, in ms: a request may wait on two commands (a budget call,
 * then the session save) and must answer within 5 s.
 * @default 2500
 * @example
 * new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS, commandTimeout: MAX_REDIS_COMMAND_TIMEOUT_MS });
 */
export const MAX_REDIS_COMMAND_TIMEOUT_MS = 2500;

/**
 * The ioredis options second-factor recommends: no offline queue, a 1 s command timeout, one retry per
 * request, a 2 s connect timeout, and no re-sending after a reconnect of commands whose callers were
 * already told they failed. Keep ioredis' default `retryStrategy` (a retry at most every 2 s), so service
 * resumes within about 3 s of Redis coming back.
 * @default { enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: 1, connectTimeout: 2000, autoResendUnfulfilledCommands: false }
 * @example
 * import { Redis } from "ioredis";
 * const redis = new Redis(process.env.REDIS_URL!, { ...FAIL_CLOSED_REDIS_OPTIONS });
 * const mfa = secondFactor({ ..., limits: { store: { kind: "redis", client: redis } } });
 */
export const FAIL_CLOSED_REDIS_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  autoResendUnfulfilledCommands: false,
} as const);

/**
 * The ioredis `Cluster` options second-factor recommends (`new Cluster(seeds, options)`): the cluster's
 * own offline queue off; reads and writes on masters only (a replica may not have the lock that was
 * just written); no re-sending of a command whose connection closed before it answered (it may have
 * run: a second run could count a wrong code twice or hide a single-use claim), while redirections
 * that Redis answers before running anything (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) are followed at most
 * 5 times, 100 ms apart; and {@link FAIL_CLOSED_REDIS_OPTIONS} for each node's connection. Keep
 * ioredis' default `clusterRetryStrategy`, so the cluster reconnects by itself.
 * @default { enableOfflineQueue: false, scaleReads: "master", retryDelayOnFailover: 0, maxRedirections: 5, retryDelayOnClusterDown: 100, retryDelayOnTryAgain: 100, slotsRefreshTimeout: 1000, redisOptions: FAIL_CLOSED_REDIS_OPTIONS }
 * @example
 * import { Cluster } from "ioredis";
 * const redis = new Cluster([{ host: "10.0.0.1", port: 6379 }], { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS });
 * const mfa = secondFactor({ ..., limits: { store: { kind: "redis", client: redis } } });
 */
export const FAIL_CLOSED_REDIS_CLUSTER_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  scaleReads: "master",
  retryDelayOnFailover: 0,
  maxRedirections: 5,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  slotsRefreshTimeout: 1000,
  redisOptions: FAIL_CLOSED_REDIS_OPTIONS,
} as const);

/**
 * The most redirections accepted: each may wait `retryDelayOnClusterDown` (at most
 * {@link MAX_CLUSTER_RETRY_DELAY_MS}), and a request must still answer within 5 s.
 */
const MAX_CLUSTER_REDIRECTIONS = 16;
const MAX_CLUSTER_RETRY_DELAY_MS = 200;

const CLIENT_METHODS = ["get", "set", "del", "eval", "evalsha", "call"] as const;

/**
 * True for an ioredis `Cluster`, whose `nodes("master")` are the servers that hold the keys.
 * @example
 * const servers = isRedisCluster(client) ? client.nodes("master") : [client];
 */
export function isRedisCluster(
  client: RedisClientLike,
): client is RedisClientLike & { readonly isCluster: true; nodes(role: "master"): RedisClientLike[] } {
  const record = client as unknown as Record<string, unknown>;
  return record.isCluster === true && typeof record.nodes === "function";
}

/**
 * Refuses (`ERR_SF_INVALID_OPTION`) anything that is not an ioredis client configured to fail closed:
 * `enableOfflineQueue: false`, `commandTimeout` from 1 to {@link MAX_REDIS_COMMAND_TIMEOUT_MS} ms,
 * `maxRetriesPerRequest` a number (not `null`), a `retryStrategy`, and not closed. A `Cluster` needs
 * the same of its `redisOptions`, and of its own options `enableOfflineQueue: false`,
 * `scaleReads: "master"`, `retryDelayOnFailover: 0`, a bounded `maxRedirections` and a
 * `clusterRetryStrategy` (see {@link FAIL_CLOSED_REDIS_CLUSTER_OPTIONS}). Refused, not warned about:
 * with the offline queue on, a request waits for Redis to return instead of answering 503.
 * @param name - how the caller's options name the client, for the message.
 * @example
 * assertFailClosedRedisClient(options.client, "limits.store.client");
 */
export function assertFailClosedRedisClient(
  client: unknown,
  name: string,
): asserts client is RedisClientLike {
  if (typeof client !== "object" || client === null) {
    throw optionProblem(
      name,
      `must be an ioredis client (got ${describeValue(client)})`,
      "pass `new Redis(url, options)`",
    );
  }
  const record = client as Record<string, unknown>;
  const cluster = record.isCluster === true;
  const missing = CLIENT_METHODS.filter((method) => typeof record[method] !== "function");
  const options = record.options;
  if (
    missing.length > 0 ||
    typeof options !== "object" ||
    options === null ||
    typeof record.status !== "string"
  ) {
    throw optionProblem(
      name,
      `is not an ioredis client (${missing.length > 0 ? `no ${missing.join(", ")}` : "no options or status"})`,
      "pass `new Redis(url, options)` from ioredis 5",
    );
  }
  if (cluster) {
    assertFailClosedCluster(options as Record<string, unknown>, name);
  } else {
    assertFailClosedConnection(options as Record<string, unknown>, name, "");
  }
  if (record.status === "end") {
    throw optionProblem(
      name,
      "is closed (its status is `end`)",
      "pass a client that has not been quit or disconnected",
    );
  }
}

function assertFailClosedCluster(settings: Record<string, unknown>, name: string): void {
  const fix = "create it with `new Cluster(seeds, { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS })`";
  if (settings.enableOfflineQueue !== false) {
    // Rule 8: with the offline queue on, a cluster that is down makes requests wait instead of failing.
    throw optionProblem(
      name,
      "is an ioredis Cluster with the offline queue on (`enableOfflineQueue` is not false): while the cluster is unreachable requests would wait instead of answering 503",
      fix,
    );
  }
  if (settings.scaleReads !== "master") {
    // A replica lags its master: a read there could miss a lock or a marker written a moment ago.
    throw optionProblem(
      name,
      `is an ioredis Cluster that reads from replicas (\`scaleReads\` is ${describeValue(settings.scaleReads)}): a replica may not yet have the lock or single-use marker just written`,
      'set `scaleReads: "master"`',
    );
  }
  if (settings.retryDelayOnFailover !== 0) {
    // A command whose connection closed may have run; sent again it could count a wrong code twice.
    throw optionProblem(
      name,
      `is an ioredis Cluster that re-sends a command after its connection closed (\`retryDelayOnFailover\` is ${describeValue(settings.retryDelayOnFailover)}): the command may already have run, and a second run could count one wrong code twice or read its own single-use claim as someone else's`,
      "set `retryDelayOnFailover: 0`",
    );
  }
  const redirections = settings.maxRedirections;
  if (
    typeof redirections !== "number" ||
    !Number.isInteger(redirections) ||
    redirections < 1 ||
    redirections > MAX_CLUSTER_REDIRECTIONS
  ) {
    throw optionProblem(
      name,
      `needs \`maxRedirections\` from 1 to ${MAX_CLUSTER_REDIRECTIONS} (got ${describeValue(redirections)}), or a cluster that keeps redirecting would hang requests`,
      fix,
    );
  }
  for (const option of ["retryDelayOnClusterDown", "retryDelayOnTryAgain"] as const) {
    const delay = settings[option];
    if (typeof delay !== "number" || !(delay >= 0) || delay > MAX_CLUSTER_RETRY_DELAY_MS) {
      throw optionProblem(
        name,
        `needs \`${option}\` from 0 to ${MAX_CLUSTER_RETRY_DELAY_MS} ms (got ${describeValue(delay)}), so that its retries end within a request's few seconds`,
        fix,
      );
    }
  }
  if (typeof settings.clusterRetryStrategy !== "function") {
    throw optionProblem(
      name,
      "is an ioredis Cluster without a `clusterRetryStrategy`: it would never reconnect after an outage",
      "keep ioredis' default clusterRetryStrategy",
    );
  }
  const nodeOptions = settings.redisOptions;
  assertFailClosedConnection(
    typeof nodeOptions === "object" && nodeOptions !== null ? (nodeOptions as Record<string, unknown>) : {},
    name,
    "redisOptions.",
  );
}

/**
 * The options of one connection (a `Redis`, or each node of a `Cluster`, whose reconnects the cluster
 * makes: `within` is then `"redisOptions."` and no `retryStrategy` is asked of the node).
 */
function assertFailClosedConnection(settings: Record<string, unknown>, name: string, within: string): void {
  const fix =
    within === ""
      ? "create it with `new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS })`"
      : "create it with `new Cluster(seeds, { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS })`";
  if (within === "" && settings.enableOfflineQueue !== false) {
    // Rule 8: with the offline queue on, an outage makes requests wait instead of failing closed.
    throw optionProblem(
      name,
      "has the offline queue on (`enableOfflineQueue` is not false): during an outage requests would wait for Redis instead of answering 503",
      fix,
    );
  }
  const timeout = settings.commandTimeout;
  if (
    typeof timeout !== "number" ||
    !Number.isInteger(timeout) ||
    timeout < 1 ||
    timeout > MAX_REDIS_COMMAND_TIMEOUT_MS
  ) {
    throw optionProblem(
      name,
      `needs \`${within}commandTimeout\` from 1 to ${MAX_REDIS_COMMAND_TIMEOUT_MS} ms (got ${describeValue(timeout)}), or a slow Redis would hang requests`,
      fix,
    );
  }
  const retries = settings.maxRetriesPerRequest;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    throw optionProblem(
      name,
      `needs \`${within}maxRetriesPerRequest\` as a whole number (got ${describeValue(retries)}); null retries forever`,
      fix,
    );
  }
  if (within === "" && typeof settings.retryStrategy !== "function") {
    throw optionProblem(
      name,
      "has no `retryStrategy`: it would never reconnect after an outage",
      "keep ioredis' default retryStrategy",
    );
  }
}
