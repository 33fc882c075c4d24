/**
 * The PostgreSQL factor store's schema, and the migration that creates it. The same text ships as
 * `sql/postgres-factor-store.sql` in the package, for apps that run their own migrations.
 */
import { failClosed } from "./factor-arguments.js";
import type { PgPoolLike } from "./postgres-factor-store.js";

/**
 * The schema: tables `second_factor_factors`, `second_factor_recovery_sets`,
 * `second_factor_recovery_codes` and `second_factor_trusted_devices`, with the unique indexes that make
 * adds atomic. Idempotent (`IF NOT EXISTS`). Identical to `sql/postgres-factor-store.sql`.
 * @example
 * await pool.query(FACTOR_STORE_SCHEMA_SQL);
 */
export const FACTOR_STORE_SCHEMA_SQL = `-- second-factor: the PostgreSQL factor store's schema (the same text as \`FACTOR_STORE_SCHEMA_SQL\`,
-- which \`migrate(pool)\` runs). Idempotent: safe to run again. Times are ms on the app clock.
CREATE TABLE IF NOT EXISTS second_factor_factors (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('phone', 'email', 'totp', 'passkey')),
  name text NOT NULL,
  created_at bigint NOT NULL,
  last_used_at bigint,
  destination text,
  verified_at bigint,
  totp_ciphertext text,
  totp_twilio_factor_sid text,
  credential_id text,
  public_key text,
  counter bigint,
  transports text[],
  backed_up boolean,
  CHECK ((kind IN ('phone', 'email')) = (destination IS NOT NULL AND verified_at IS NOT NULL)),
  CHECK ((kind = 'totp') = ((totp_ciphertext IS NULL) <> (totp_twilio_factor_sid IS NULL))),
  CHECK ((kind = 'passkey') = (credential_id IS NOT NULL AND public_key IS NOT NULL AND counter IS NOT NULL
    AND transports IS NOT NULL AND backed_up IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS second_factor_factors_user ON second_factor_factors (user_id);
-- One factor per phone number or e-mail address in an account.
CREATE UNIQUE INDEX IF NOT EXISTS second_factor_factors_destination
  ON second_factor_factors (user_id, kind, destination) WHERE destination IS NOT NULL;
-- A passkey credential belongs to one account.
CREATE UNIQUE INDEX IF NOT EXISTS second_factor_factors_credential
  ON second_factor_factors (credential_id) WHERE credential_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS second_factor_recovery_sets (
  user_id text PRIMARY KEY,
  created_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS second_factor_recovery_codes (
  user_id text NOT NULL REFERENCES second_factor_recovery_sets (user_id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE IF NOT EXISTS second_factor_trusted_devices (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  token_hash text NOT NULL,
  label text NOT NULL,
  created_at bigint NOT NULL,
  last_used_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  UNIQUE (user_id, token_hash)
);
`;

/**
 * Creates the factor store's tables if they do not exist, in one transaction under an advisory lock,
 * so several instances starting at once do not race. Safe to run at every start. Rejects with
 * `ERR_SF_STORE_UNAVAILABLE` when PostgreSQL fails.
 * @example
 * import { Pool } from "pg";
 * import { migrate } from "second-factor";
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, ...FAIL_CLOSED_PG_POOL_OPTIONS });
 * await migrate(pool);
 */
export async function migrate(pool: PgPoolLike): Promise<void> {
  await failClosed(async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('second_factor_migrate'))");
      await client.query(FACTOR_STORE_SCHEMA_SQL);
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release(true);
      throw error;
    }
  });
}
