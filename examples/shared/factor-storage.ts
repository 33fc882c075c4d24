/**
 * Where the examples keep enrolled factors (DESIGN §7): PostgreSQL when `DATABASE_URL` is set, else
 * Redis when the sessions are there (`REDIS_URL`, the same client), else memory. The demo users' phones
 * are enrolled here at start; everything else the apps enrol goes through the library's settings pages.
 */
import pg from "pg";
import {
  createFactorStore,
  createMemoryFactorStore,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type FactorStore,
  migrate,
} from "../../src/index.js";
import { ExampleConfigError } from "./config.js";
import type { StorageBackend } from "./storage.js";
import type { DemoAccount } from "./users.js";

/** Where enrolled factors live, for the start lines. */
export type FactorBackend =
  | { readonly kind: "memory" }
  | { readonly kind: "redis"; readonly url: string }
  /** `DATABASE_URL` without user name and password. */
  | { readonly kind: "postgres"; readonly url: string };

/** An opened factor store and how to close what it opened. */
export interface OpenedFactorStore {
  /** Passed to the library as its `factors` option. */
  readonly store: FactorStore;
  readonly backend: FactorBackend;
  /** Ends the `pg` pool, if one was opened; the Redis client belongs to the sessions' storage. */
  close(): Promise<void>;
}

/**
 * Opens the factor store the configuration asks for. With `databaseUrl` it makes a `pg` pool that
 * fails closed (`FAIL_CLOSED_PG_POOL_OPTIONS`) and runs `migrate(pool)` now, so a database that cannot
 * be reached stops the start with a clear message instead of failing sign-ins later.
 * @example
 * const factors = await openFactorStore(config.databaseUrl, storage);
 * secondFactor({ provider, user, factors: factors.store });
 */
export async function openFactorStore(
  databaseUrl: string | undefined,
  storage: StorageBackend,
): Promise<OpenedFactorStore> {
  if (databaseUrl !== undefined) return openPostgres(databaseUrl);
  if (storage.kind === "redis") {
    return {
      store: createFactorStore({ kind: "redis", client: storage.client }, { logger: console }),
      backend: { kind: "redis", url: storage.url },
      close: async () => {},
    };
  }
  return { store: createMemoryFactorStore(), backend: { kind: "memory" }, close: async () => {} };
}

async function openPostgres(databaseUrl: string): Promise<OpenedFactorStore> {
  const shown = redactedDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, ...FAIL_CLOSED_PG_POOL_OPTIONS });
  // An idle connection that drops is reported by the next query that needs one (503); this only keeps
  // `pg` from crashing the process with an unhandled 'error' event.
  pool.on("error", () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? (error.cause ?? error) : error;
    throw new ExampleConfigError(
      `Could not open PostgreSQL at ${shown} (DATABASE_URL): ${reason instanceof Error ? reason.message : String(reason)}. Start PostgreSQL, fix DATABASE_URL, or unset it to keep enrolled factors in Redis (REDIS_URL) or in memory.`,
      { cause: error },
    );
  }
  return {
    store: createFactorStore({ kind: "postgres", pool }, { logger: console }),
    backend: { kind: "postgres", url: shown },
    close: () => pool.end(),
  };
}

/**
 * Enrols each demo account's phone (alice's and carol's) in the store, as if they had enrolled it
 * themselves: idempotent, so a restart on a durable store finds them `already_enrolled` and adds nothing.
 * @example
 * await enrolDemoPhones(factors.store, DEMO_ACCOUNTS, Date.now());
 */
export async function enrolDemoPhones(
  store: FactorStore,
  accounts: readonly DemoAccount[],
  now: number,
): Promise<void> {
  for (const { user } of accounts) {
    if (user.phone === undefined) continue;
    // "added" or "already_enrolled": either way the phone is there.
    await store.addFactor(user.id, {
      kind: "phone",
      name: "Phone",
      destination: user.phone,
      verifiedAt: now,
      createdAt: now,
    });
  }
}

/** `DATABASE_URL` for messages: scheme, host, port and database, never the user name or password. */
function redactedDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExampleConfigError(
      "DATABASE_URL must be a URL such as postgres://user:password@127.0.0.1:5432/app.",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ExampleConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, such as postgres://user:password@127.0.0.1:5432/app; got a ${url.protocol} URL.`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The account's enrolled phone numbers (E.164), oldest first, for the pages (which mask them). A store
 * that fails rejects with `ERR_SF_STORE_UNAVAILABLE`, which the apps answer with 503.
 * @example
 * const phones = await enrolledPhones(setup.factors, user.id);
 */
export async function enrolledPhones(store: FactorStore, userId: string): Promise<string[]> {
  const factors = await store.listFactors(userId);
  return factors.flatMap((factor) => (factor.kind === "phone" ? [factor.destination] : []));
}
