/**
 * The ioredis client the Redis store runs on, and the check that it fails closed: no offline queue
 * (a command sent while Redis is away rejects at once instead of waiting), a command timeout (a slow
 * Redis rejects instead of hanging), a bounded retry count, and a reconnect strategy (service resumes
 * by itself). The package does not import ioredis: the app passes its own client.
 */
import { describeValue, optionProblem } from "../../options/checks.js";

/**
 * The part of an ioredis 5 client (`new Redis(url, options)`) that second-factor uses. Any ioredis
 * `Redis` instance fits; ioredis `Cluster` is not supported.
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

const CLIENT_METHODS = ["get", "set", "del", "eval", "evalsha", "call"] as const;

/**
 * Refuses (`ERR_SF_INVALID_OPTION`) anything that is not an ioredis client configured to fail closed:
 * `enableOfflineQueue: false`, `commandTimeout` from 1 to {@link MAX_REDIS_COMMAND_TIMEOUT_MS} ms,
 * `maxRetriesPerRequest` a number (not `null`), a `retryStrategy`, and not closed. Refused, not
 * warned about: with the offline queue on, a request waits for Redis to return instead of answering 503.
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
  if (record.isCluster === true) {
    throw optionProblem(
      name,
      "is an ioredis Cluster, which this version does not support",
      "pass a standalone or Sentinel `new Redis(...)` client",
    );
  }
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
  const settings = options as Record<string, unknown>;
  const fix = "create it with `new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS })`";
  if (settings.enableOfflineQueue !== false) {
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
      `needs \`commandTimeout\` from 1 to ${MAX_REDIS_COMMAND_TIMEOUT_MS} ms (got ${describeValue(timeout)}), or a slow Redis would hang requests`,
      fix,
    );
  }
  const retries = settings.maxRetriesPerRequest;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    throw optionProblem(
      name,
      `needs \`maxRetriesPerRequest\` as a whole number (got ${describeValue(retries)}); null retries forever`,
      fix,
    );
  }
  if (typeof settings.retryStrategy !== "function") {
    throw optionProblem(
      name,
      "has no `retryStrategy`: it would never reconnect after an outage",
      "keep ioredis' default retryStrategy",
    );
  }
  if (record.status === "end") {
    throw optionProblem(
      name,
      "is closed (its status is `end`)",
      "pass a client that has not been quit or disconnected",
    );
  }
}
