// The PostgreSQL factor store passes the conformance suite on a real PostgreSQL that this suite starts,
// its migration is idempotent and safe to run from several instances at once, and it fails closed
// (rule 8): with PostgreSQL stopped mid-use every method rejects with ERR_SF_STORE_UNAVAILABLE within
// seconds, and it works again once PostgreSQL is back.
import { readFileSync } from "node:fs";
import { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFactorStore,
  FACTOR_STORE_SCHEMA_SQL,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type FactorStore,
  migrate,
  type PgPoolLike,
} from "../../src/stores/index.js";
import { factorStoreConformance } from "../../testing/index.js";
import { type PostgresServer, postgresSuiteRuns, startPostgresServer } from "../helpers/postgres-server.js";
import { eventually } from "../redis/support.js";
import { expectEveryCallFailsClosed, seedPhone } from "./store-calls.js";

const SUITE = "the PostgreSQL factor store";
const logger = { warn: () => undefined, error: () => undefined };

it("ships the schema as sql/postgres-factor-store.sql, the same text migrate() runs", () => {
  const shipped = readFileSync(new URL("../../sql/postgres-factor-store.sql", import.meta.url), "utf8");
  expect(shipped).toBe(FACTOR_STORE_SCHEMA_SQL);
});

describe.runIf(postgresSuiteRuns(SUITE))(SUITE, () => {
  let server: PostgresServer;
  let pool: Pool;
  let store: FactorStore;

  beforeAll(async () => {
    server = await startPostgresServer();
    pool = new Pool({ ...server.connection, ...FAIL_CLOSED_PG_POOL_OPTIONS, max: 25 });
    // pg emits this when an idle connection drops (the outage test); an app must listen to it too.
    pool.on("error", () => undefined);
    await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    store = createFactorStore({ kind: "postgres", pool }, { logger });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await server?.close();
  });

  describe("conformance", () => {
    factorStoreConformance({ makeStore: () => store, test: it });
  });

  it("creates its tables, prefixed second_factor_, and running the migration again changes nothing", async () => {
    await migrate(pool);
    const { rows } = await pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual([
      "second_factor_factors",
      "second_factor_recovery_codes",
      "second_factor_recovery_sets",
      "second_factor_trusted_devices",
    ]);
  });

  it("leaves nothing half-written: a replacement of recovery codes that fails midway keeps the old set", async () => {
    await store.replaceRecoveryCodes("half-written", ["old-1", "old-2"], 1);
    // The same pool, except that writing the new codes fails (after the old ones were deleted).
    const failingPool: PgPoolLike = {
      options: pool.options,
      query: (text, values) => pool.query(text, values),
      connect: async () => {
        const client = await pool.connect();
        return {
          query: async (text: string, values?: unknown[]) => {
            if (text.startsWith("INSERT INTO second_factor_recovery_codes"))
              throw new Error("connection lost");
            return client.query(text, values);
          },
          release: (error?: Error | boolean) => client.release(error),
        };
      },
    };
    const failing = createFactorStore({ kind: "postgres", pool: failingPool }, { logger });
    await expect(failing.replaceRecoveryCodes("half-written", ["new-1"], 2)).rejects.toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
    });
    const set = await store.getRecoveryCodes("half-written");
    expect([...(set?.hashes ?? [])].sort()).toEqual(["old-1", "old-2"]);
    expect(set?.createdAt).toBe(1);
  });

  it("fails closed while PostgreSQL is stopped mid-use, and works again once it is back", async () => {
    await seedPhone(store, "outage-user");
    await server.stop();
    await expectEveryCallFailsClosed(store, "outage-user");
    await server.start();
    await eventually(async () => (await store.listFactors("outage-user")).length === 1, 10_000);
  }, 120_000);
});
