/** Shared set-up of the Redis suites: fail-closed ioredis clients on the test server, unique key prefixes. */
import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { FAIL_CLOSED_REDIS_OPTIONS } from "../../src/limits/index.js";

/** The command timeout of the test clients, in ms (the documented recommendation). */
export const TEST_COMMAND_TIMEOUT_MS = FAIL_CLOSED_REDIS_OPTIONS.commandTimeout;

/** A client configured as docs/scaling.md recommends; errors are swallowed (outage tests cause many). */
export function failClosedClient(url: string, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS, ...overrides });
  client.on("error", () => undefined);
  return client;
}

/** A key prefix no other test uses, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(label = "t"): string {
  return `${label}${randomBytes(6).toString("hex")}`;
}

/** Resolves once `check` resolves true, polling every 50 ms; rejects after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A {@link failClosedClient} once it is ready (commands before that reject, by design). */
export async function readyClient(url: string, overrides: RedisOptions = {}): Promise<Redis> {
  const client = failClosedClient(url, overrides);
  await waitUntilReady(client, 5000);
  return client;
}

/** Resolves when `client` is ready; rejects after `timeoutMs`. */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new Error(`the Redis client was not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}

/** Every key in the database, by SCAN. */
export async function scanAll(client: Redis, match = "*"): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", match, "COUNT", 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}
