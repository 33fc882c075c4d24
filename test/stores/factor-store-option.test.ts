// The `factors` option: a store object (every method), or { kind: "memory" | "redis" | "postgres" }; the
// default is memory with a warning; anything else, or a client or pool that would hang in an outage, is
// refused with ERR_SF_INVALID_OPTION naming the option and the fix.
import { Redis } from "ioredis";
import { Pool } from "pg";
import { describe, expect, it } from "vitest";
import { FAIL_CLOSED_REDIS_OPTIONS } from "../../src/limits/index.js";
import {
  createFactorStore,
  createMemoryFactorStore,
  FAIL_CLOSED_PG_POOL_OPTIONS,
} from "../../src/stores/index.js";

function context() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => warnings.push(message), error: () => undefined } };
}

function refusal(option: unknown): { code?: string; message?: string } {
  try {
    createFactorStore(option, context());
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error("the option was accepted");
}

describe("the factors option", () => {
  it("defaults to the memory store, with a warning that names the option and the fix", async () => {
    const { warnings, logger } = context();
    const store = createFactorStore(undefined, { logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"factors"');
    expect(warnings[0]).toContain('{ kind: "postgres", pool }');
    expect(await store.listFactors("u1")).toEqual([]);
  });

  it('takes { kind: "memory" } without a warning, and a store object as it is', () => {
    const { warnings, logger } = context();
    createFactorStore({ kind: "memory" }, { logger });
    const own = createMemoryFactorStore();
    expect(createFactorStore(own, { logger })).toBe(own);
    expect(warnings).toEqual([]);
  });

  it("takes the app's fail-closed ioredis client and pg pool", () => {
    const client = new Redis({ lazyConnect: true, ...FAIL_CLOSED_REDIS_OPTIONS });
    const pool = new Pool({ ...FAIL_CLOSED_PG_POOL_OPTIONS });
    expect(() => createFactorStore({ kind: "redis", client }, context())).not.toThrow();
    expect(() => createFactorStore({ kind: "postgres", pool }, context())).not.toThrow();
    client.disconnect();
    void pool.end();
  });

  it.each<[string, unknown, string]>([
    ["a string", "postgres", '"factors"'],
    ["an unknown kind", { kind: "mongo" }, '"factors.kind"'],
    ["an unknown key", { kind: "memory", pool: {} }, '"factors.pool"'],
    ["an object that is not a whole store", { listFactors: async () => [] }, "getFactor()"],
    ["no Redis client", { kind: "redis" }, "factors.client"],
    [
      "a Redis client with the offline queue on",
      { kind: "redis", client: new Redis({ lazyConnect: true }) },
      "offline queue",
    ],
    ["no pool", { kind: "postgres" }, '"factors.pool"'],
    [
      "a pool without timeouts (pg waits forever)",
      { kind: "postgres", pool: new Pool() },
      "connectionTimeoutMillis",
    ],
    [
      "a pool without a query timeout",
      { kind: "postgres", pool: new Pool({ connectionTimeoutMillis: 2000 }) },
      "query_timeout",
    ],
  ])("refuses %s, naming the option", (_label, option, named) => {
    const error = refusal(option);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.message).toContain(named);
  });
});
