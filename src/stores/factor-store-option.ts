/**
 * The `factors` option: where enrolled factors live. Parsed once into a {@link FactorStore}.
 */

import type { SecondFactorLogger } from "../events.js";
import { assertFailClosedRedisClient, type RedisClientLike } from "../limits/redis/client.js";
import { describeValue, invalidOption, isPlainObject, rejectUnknownKeys } from "../options/checks.js";
import type { FactorStore } from "./index.js";
import { createMemoryFactorStore } from "./memory-factor-store.js";
import {
  assertFailClosedPgPool,
  createPostgresFactorStore,
  type PgPoolLike,
} from "./postgres-factor-store.js";
import { createRedisFactorStore } from "./redis-factor-store.js";

/**
 * The `factors` option: a store of your own, or one of the three built in. `memory` (the default)
 * forgets every enrolled factor on restart and is not shared between instances; `redis` takes the
 * app's ioredis client (configured with `FAIL_CLOSED_REDIS_OPTIONS`); `postgres` the app's `pg` pool
 * (configured with `FAIL_CLOSED_PG_POOL_OPTIONS`, tables made by `migrate(pool)`).
 * @default { kind: "memory" }, with a warning at start-up
 * @example
 * const factors: FactorStoreOption = { kind: "postgres", pool: new Pool({ connectionString, ...FAIL_CLOSED_PG_POOL_OPTIONS }) };
 */
export type FactorStoreOption =
  | FactorStore
  | { readonly kind: "memory" }
  | { readonly kind: "redis"; readonly client: RedisClientLike }
  | { readonly kind: "postgres"; readonly pool: PgPoolLike };

/**
 * What {@link createFactorStore} needs besides the option.
 * @example
 * const context: FactorStoreContext = { logger: console, optionPath: "factors" };
 */
export interface FactorStoreContext {
  /** Receives the warning when the memory store is used by default. */
  readonly logger: SecondFactorLogger;
  /** How the caller's options name this option, for error messages. @default "factors" */
  readonly optionPath?: string;
}

const STORE_METHODS = [
  "listFactors",
  "getFactor",
  "addFactor",
  "renameFactor",
  "touchFactor",
  "updatePasskeyCounter",
  "removeFactor",
  "findPasskey",
  "replaceRecoveryCodes",
  "getRecoveryCodes",
  "consumeRecoveryCode",
  "addTrustedDevice",
  "findTrustedDevice",
  "touchTrustedDevice",
  "listTrustedDevices",
  "revokeTrustedDevice",
  "revokeAllTrustedDevices",
] as const satisfies readonly (keyof FactorStore)[];

/**
 * Parses the `factors` option into a store: an object with every {@link FactorStore} method is used as
 * it is; `{ kind }` makes one of the built-in stores. Refuses anything else with `ERR_SF_INVALID_OPTION`
 * naming the option and the fix, and a Redis client or `pg` pool that would hang during an outage.
 * Leaving it out (or `{ kind: "memory" }` by default) warns once: factors are lost on restart.
 * @default option { kind: "memory" }
 * @example
 * const store = createFactorStore({ kind: "redis", client: redis }, { logger: console });
 * const store2 = createFactorStore(undefined, { logger: console }); // memory, with a warning
 */
export function createFactorStore(option: unknown, context: FactorStoreContext): FactorStore {
  const name = context.optionPath ?? "factors";
  if (option === undefined) {
    context.logger.warn(
      `second-factor: no "${name}" option; enrolled factors are kept in memory. A restart forgets every ` +
        `enrolled phone, app and passkey, and instances do not share them. Set "${name}" to ` +
        '{ kind: "postgres", pool } or { kind: "redis", client } (see docs/factors.md).',
    );
    return createMemoryFactorStore();
  }
  if (typeof option !== "object" || option === null) {
    throw invalidOption(
      name,
      describeValue(option),
      'pass { kind: "memory" }, { kind: "redis", client }, { kind: "postgres", pool } or a FactorStore',
    );
  }
  if (!isPlainObject(option) || !("kind" in option)) {
    const missing = STORE_METHODS.filter(
      (method) => typeof (option as Record<string, unknown>)[method] !== "function",
    );
    if (missing.length > 0) {
      throw invalidOption(
        name,
        `an object without ${missing.slice(0, 3).join("(), ")}()${missing.length > 3 ? ", ..." : ""}`,
        'pass a FactorStore with every method (check it with factorStoreConformance from "second-factor/testing"), or { kind: "memory" | "redis" | "postgres", ... }',
      );
    }
    return option as unknown as FactorStore;
  }
  switch (option.kind) {
    case "memory":
      rejectUnknownKeys(option, ["kind"], `${name}.`);
      return createMemoryFactorStore();
    case "redis":
      rejectUnknownKeys(option, ["kind", "client"], `${name}.`);
      assertFailClosedRedisClient(option.client, `${name}.client`);
      return createRedisFactorStore({ client: option.client });
    case "postgres":
      rejectUnknownKeys(option, ["kind", "pool"], `${name}.`);
      assertFailClosedPgPool(option.pool, `${name}.pool`);
      return createPostgresFactorStore(option.pool);
    default:
      throw invalidOption(`${name}.kind`, describeValue(option.kind), 'use "memory", "redis" or "postgres"');
  }
}
