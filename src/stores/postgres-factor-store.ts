/**
 * The factor store on PostgreSQL (the app's `pg` pool). Atomicity comes from the database: unique
 * indexes with `ON CONFLICT DO NOTHING` make one factor per destination and one account per passkey
 * credential, the passkey counter is a conditional `UPDATE`, and recovery codes are consumed and
 * replaced in transactions that lock the account's set row (`FOR UPDATE`). The package does not import
 * `pg`: the app passes its own pool, and only the methods typed here are used.
 */

import { ErrorCodes, SecondFactorError } from "../errors.js";
import { describeValue, invalidOption } from "../options/checks.js";
import {
  checkCounter,
  checkKeepLast,
  checkNewFactor,
  checkNewTrustedDevice,
  checkRecoveryHashes,
  checkText,
  checkTime,
  failClosed,
  randomId,
} from "./factor-arguments.js";
import type {
  AddFactorResult,
  Factor,
  FactorStore,
  NewFactor,
  PasskeyFactor,
  TrustedDevice,
} from "./index.js";

/**
 * The part of a `pg` client (from `pool.connect()`) the store uses.
 * @example
 * const client: PgClientLike = await pool.connect();
 */
export interface PgClientLike {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

/**
 * The part of a `pg` 8 `Pool` the store uses. Any `new Pool(...)` fits.
 * @example
 * import { Pool } from "pg";
 * const pool: PgPoolLike = new Pool({ connectionString: process.env.DATABASE_URL, ...FAIL_CLOSED_PG_POOL_OPTIONS });
 */
export interface PgPoolLike {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  connect(): Promise<PgClientLike>;
  /** The options the pool was made with (read to check that it fails closed). */
  readonly options: object;
}

/** The longest `connectionTimeoutMillis` and `query_timeout` accepted, in ms. */
const MAX_PG_TIMEOUT_MS = 5000;

/**
 * The `pg` pool options second-factor recommends: wait at most 2 s for a connection and 2 s for a query,
 * so a PostgreSQL that is down or stuck answers 503 within seconds instead of hanging requests (rule 8).
 * `pg`'s defaults wait forever.
 * @default { connectionTimeoutMillis: 2000, query_timeout: 2000 }
 * @example
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, ...FAIL_CLOSED_PG_POOL_OPTIONS });
 */
export const FAIL_CLOSED_PG_POOL_OPTIONS = Object.freeze({
  connectionTimeoutMillis: 2000,
  query_timeout: 2000,
} as const);

/**
 * Refuses (`ERR_SF_INVALID_OPTION`) anything that is not a `pg` pool that fails closed: `query`,
 * `connect` and `options`, with `connectionTimeoutMillis` and `query_timeout` from 1 to 5000 ms.
 * @param name - how the caller's options name the pool, for the message.
 * @example
 * assertFailClosedPgPool(option.pool, "factors.pool");
 */
export function assertFailClosedPgPool(pool: unknown, name: string): asserts pool is PgPoolLike {
  const record = (typeof pool === "object" && pool !== null ? pool : {}) as Record<string, unknown>;
  if (
    typeof record.query !== "function" ||
    typeof record.connect !== "function" ||
    typeof record.options !== "object"
  ) {
    throw invalidOption(
      name,
      describeValue(pool),
      "pass the app's pg Pool: new Pool({ ...FAIL_CLOSED_PG_POOL_OPTIONS })",
    );
  }
  const options = (record.options ?? {}) as Record<string, unknown>;
  for (const setting of ["connectionTimeoutMillis", "query_timeout"] as const) {
    const value = options[setting];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PG_TIMEOUT_MS) {
      throw invalidOption(
        `${name}.options.${setting}`,
        describeValue(value),
        `set it from 1 to ${MAX_PG_TIMEOUT_MS} ms, e.g. new Pool({ ...FAIL_CLOSED_PG_POOL_OPTIONS }); without it an outage hangs requests instead of answering 503`,
      );
    }
  }
}

const FACTOR_COLUMNS =
  "id, user_id, kind, name, created_at, last_used_at, destination, verified_at, totp_ciphertext, " +
  "totp_twilio_factor_sid, credential_id, public_key, counter, transports, backed_up";
const DEVICE_COLUMNS = "id, user_id, token_hash, label, created_at, last_used_at, expires_at";
const UNIQUE_VIOLATION = "23505";

/**
 * Makes a {@link FactorStore} on a `pg` pool. The tables must exist: run {@link migrate} (or the shipped
 * `sql/postgres-factor-store.sql`) first. Use it through `createFactorStore({ kind: "postgres", pool })`,
 * which checks that the pool fails closed. Listen to the pool's `error` event: `pg` emits it when an
 * idle connection drops, and an unhandled one ends the process.
 * @example
 * const store = createPostgresFactorStore(pool);
 */
export function createPostgresFactorStore(pool: PgPoolLike): FactorStore {
  const query = (text: string, values: unknown[]) => pool.query(text, values);
  const transaction = async <T>(work: (client: PgClientLike) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(true);
      throw error;
    }
  };
  const factorRows = async (text: string, values: unknown[]) =>
    (await query(text, values)).rows.map(rowToFactor);

  const existingFor = async (userId: string, factor: NewFactor): Promise<AddFactorResult | undefined> => {
    if (factor.kind === "passkey") {
      const [row] = await factorRows(
        `SELECT ${FACTOR_COLUMNS} FROM second_factor_factors WHERE credential_id = $1`,
        [factor.credentialId],
      );
      if (row === undefined) return undefined;
      return row.userId === userId
        ? { status: "already_enrolled", factor: row }
        : { status: "credential_in_use" };
    }
    if (factor.kind === "totp") return undefined;
    const [row] = await factorRows(
      `SELECT ${FACTOR_COLUMNS} FROM second_factor_factors WHERE user_id = $1 AND kind = $2 AND destination = $3`,
      [userId, factor.kind, factor.destination],
    );
    return row === undefined ? undefined : { status: "already_enrolled", factor: row };
  };

  return {
    async listFactors(userId) {
      checkText(userId, "userId");
      return failClosed(() =>
        factorRows(
          `SELECT ${FACTOR_COLUMNS} FROM second_factor_factors WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"`,
          [userId],
        ),
      );
    },

    async getFactor(userId, factorId) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      return failClosed(async () => {
        const [row] = await factorRows(
          `SELECT ${FACTOR_COLUMNS} FROM second_factor_factors WHERE user_id = $1 AND id = $2`,
          [userId, factorId],
        );
        return row;
      });
    },

    async addFactor(userId, input) {
      checkText(userId, "userId");
      const factor = checkNewFactor(input);
      return failClosed(async () => {
        // A conflicting row can vanish before it is read (removed meanwhile): then the insert is tried again.
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const inserted = await factorRows(
            `INSERT INTO second_factor_factors (${FACTOR_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING RETURNING ${FACTOR_COLUMNS}`,
            factorValues(randomId(), userId, factor),
          );
          if (inserted[0] !== undefined) return { status: "added", factor: inserted[0] };
          const existing = await existingFor(userId, factor);
          if (existing !== undefined) return existing;
        }
        throw new Error("the factor could not be added: its conflicting row kept changing");
      });
    },

    async renameFactor(userId, factorId, name) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkText(name, "name");
      return failClosed(async () => {
        const result = await query(
          "UPDATE second_factor_factors SET name = $3 WHERE user_id = $1 AND id = $2",
          [userId, factorId, name],
        );
        return result.rowCount === 1;
      });
    },

    async touchFactor(userId, factorId, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkTime(at, "at");
      return failClosed(async () => {
        const result = await query(
          "UPDATE second_factor_factors SET last_used_at = $3 WHERE user_id = $1 AND id = $2",
          [userId, factorId, at],
        );
        return result.rowCount === 1;
      });
    },

    async updatePasskeyCounter(userId, factorId, counter, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkCounter(counter, "counter");
      checkTime(at, "at");
      return failClosed(async () => {
        // counterMayAdvance, as one conditional UPDATE: PostgreSQL re-checks it on the row it locks.
        const updated = await query(
          `UPDATE second_factor_factors SET counter = $3, last_used_at = $4
           WHERE user_id = $1 AND id = $2 AND kind = 'passkey' AND ($3 > counter OR ($3 = 0 AND counter = 0))`,
          [userId, factorId, counter, at],
        );
        if (updated.rowCount === 1) return "updated";
        const found = await query(
          "SELECT 1 FROM second_factor_factors WHERE user_id = $1 AND id = $2 AND kind = 'passkey'",
          [userId, factorId],
        );
        return found.rows.length === 1 ? "not_increased" : "not_found";
      });
    },

    async removeFactor(userId, factorId, options) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      const keepLast = checkKeepLast(options);
      return failClosed(async () => {
        const remove = (client: Pick<PgClientLike, "query">) =>
          client.query("DELETE FROM second_factor_factors WHERE user_id = $1 AND id = $2", [
            userId,
            factorId,
          ]);
        if (!keepLast) return (await remove(pool)).rowCount === 1 ? "removed" : "not_found";
        return transaction(async (client) => {
          // Locks the account's factors, so concurrent removals count them one at a time.
          const { rows } = await client.query(
            "SELECT id FROM second_factor_factors WHERE user_id = $1 FOR UPDATE",
            [userId],
          );
          if (!rows.some((row) => row.id === factorId)) return "not_found";
          if (rows.length <= 1) return "kept_last";
          await remove(client);
          return "removed";
        });
      });
    },

    async findPasskey(credentialId) {
      checkText(credentialId, "credentialId");
      return failClosed(async () => {
        const [row] = await factorRows(
          `SELECT ${FACTOR_COLUMNS} FROM second_factor_factors WHERE credential_id = $1 AND kind = 'passkey'`,
          [credentialId],
        );
        return row as PasskeyFactor | undefined;
      });
    },

    async replaceRecoveryCodes(userId, hashes, createdAt) {
      checkText(userId, "userId");
      const checked = checkRecoveryHashes(hashes);
      checkTime(createdAt, "createdAt");
      await failClosed(() =>
        transaction(async (client) => {
          await client.query(
            `INSERT INTO second_factor_recovery_sets (user_id, created_at) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET created_at = EXCLUDED.created_at`,
            [userId, createdAt],
          );
          await client.query("DELETE FROM second_factor_recovery_codes WHERE user_id = $1", [userId]);
          await client.query(
            "INSERT INTO second_factor_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])",
            [userId, checked],
          );
        }),
      );
    },

    async getRecoveryCodes(userId) {
      checkText(userId, "userId");
      return failClosed(async () => {
        const { rows } = await query(
          `SELECT s.created_at, array_remove(array_agg(c.code_hash), NULL) AS hashes
           FROM second_factor_recovery_sets s LEFT JOIN second_factor_recovery_codes c ON c.user_id = s.user_id
           WHERE s.user_id = $1 GROUP BY s.created_at`,
          [userId],
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        return Object.freeze({
          hashes: Object.freeze([...(row.hashes as string[])]),
          createdAt: toTime(row.created_at),
        });
      });
    },

    async consumeRecoveryCode(userId, hash) {
      checkText(userId, "userId");
      checkText(hash, "hash");
      return failClosed(() =>
        transaction(async (client) => {
          // Consumes and replacements of one account run one at a time, so `left` is exact.
          const set = await client.query(
            "SELECT 1 FROM second_factor_recovery_sets WHERE user_id = $1 FOR UPDATE",
            [userId],
          );
          if (set.rows.length === 0) return { consumed: false, left: 0 };
          const deleted = await client.query(
            "DELETE FROM second_factor_recovery_codes WHERE user_id = $1 AND code_hash = $2",
            [userId, hash],
          );
          const left = await client.query(
            "SELECT count(*)::int AS left FROM second_factor_recovery_codes WHERE user_id = $1",
            [userId],
          );
          return { consumed: deleted.rowCount === 1, left: Number(left.rows[0]?.left ?? 0) };
        }),
      );
    },

    async addTrustedDevice(userId, input) {
      checkText(userId, "userId");
      const device: TrustedDevice = Object.freeze({
        ...checkNewTrustedDevice(input),
        id: randomId(),
        userId,
      });
      return failClosed(async () => {
        try {
          await transaction(async (client) => {
            await client.query(
              "DELETE FROM second_factor_trusted_devices WHERE user_id = $1 AND expires_at <= $2",
              [userId, device.createdAt],
            );
            await client.query(
              `INSERT INTO second_factor_trusted_devices (${DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
              [
                device.id,
                userId,
                device.tokenHash,
                device.label,
                device.createdAt,
                device.lastUsedAt,
                device.expiresAt,
              ],
            );
          });
        } catch (error) {
          if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
            throw new SecondFactorError(
              ErrorCodes.INVALID_ARGUMENT,
              "second-factor: the factor store already has a trusted device with this token hash; make a new random token for every device.",
            );
          }
          throw error;
        }
        return device;
      });
    },

    async findTrustedDevice(userId, tokenHash, at) {
      checkText(userId, "userId");
      checkText(tokenHash, "tokenHash");
      checkTime(at, "at");
      return failClosed(async () => {
        const { rows } = await query(
          `SELECT ${DEVICE_COLUMNS} FROM second_factor_trusted_devices
           WHERE user_id = $1 AND token_hash = $2 AND expires_at > $3`,
          [userId, tokenHash, at],
        );
        return rows[0] === undefined ? undefined : rowToDevice(rows[0]);
      });
    },

    async touchTrustedDevice(userId, deviceId, at) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      checkTime(at, "at");
      return failClosed(async () => {
        const result = await query(
          "UPDATE second_factor_trusted_devices SET last_used_at = $3 WHERE user_id = $1 AND id = $2 AND expires_at > $3",
          [userId, deviceId, at],
        );
        return result.rowCount === 1;
      });
    },

    async listTrustedDevices(userId, at) {
      checkText(userId, "userId");
      checkTime(at, "at");
      return failClosed(async () => {
        const { rows } = await query(
          `SELECT ${DEVICE_COLUMNS} FROM second_factor_trusted_devices WHERE user_id = $1 AND expires_at > $2
           ORDER BY created_at, id COLLATE "C"`,
          [userId, at],
        );
        return rows.map(rowToDevice);
      });
    },

    async revokeTrustedDevice(userId, deviceId) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      return failClosed(async () => {
        const result = await query(
          "DELETE FROM second_factor_trusted_devices WHERE user_id = $1 AND id = $2",
          [userId, deviceId],
        );
        return result.rowCount === 1;
      });
    },

    async revokeAllTrustedDevices(userId) {
      checkText(userId, "userId");
      return failClosed(async () => {
        const result = await query("DELETE FROM second_factor_trusted_devices WHERE user_id = $1", [userId]);
        return result.rowCount ?? 0;
      });
    },
  };
}

function factorValues(id: string, userId: string, factor: NewFactor): unknown[] {
  const phoneOrEmail = factor.kind === "phone" || factor.kind === "email";
  const totp = factor.kind === "totp" ? factor.secret : undefined;
  const passkey = factor.kind === "passkey" ? factor : undefined;
  return [
    id,
    userId,
    factor.kind,
    factor.name,
    factor.createdAt,
    phoneOrEmail ? factor.destination : null,
    phoneOrEmail ? factor.verifiedAt : null,
    totp?.type === "encrypted" ? totp.ciphertext : null,
    totp?.type === "twilio" ? totp.factorSid : null,
    passkey?.credentialId ?? null,
    passkey?.publicKey ?? null,
    passkey?.counter ?? null,
    passkey === undefined ? null : [...passkey.transports],
    passkey?.backedUp ?? null,
  ];
}

/** `bigint` columns arrive as strings from `pg`; a value that is no safe integer is a store failure. */
function toTime(value: unknown): number {
  const time = Number(value);
  if (!Number.isSafeInteger(time)) throw new Error("the factor store holds a malformed time");
  return time;
}

function rowToFactor(row: Record<string, unknown>): Factor {
  const base = {
    id: String(row.id),
    userId: String(row.user_id),
    name: String(row.name),
    createdAt: toTime(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toTime(row.last_used_at),
  };
  switch (row.kind) {
    case "phone":
    case "email":
      return Object.freeze({
        ...base,
        kind: row.kind,
        destination: String(row.destination),
        verifiedAt: toTime(row.verified_at),
      });
    case "totp":
      return Object.freeze({
        ...base,
        kind: "totp",
        secret: Object.freeze(
          row.totp_ciphertext === null
            ? { type: "twilio", factorSid: String(row.totp_twilio_factor_sid) }
            : { type: "encrypted", ciphertext: String(row.totp_ciphertext) },
        ),
      });
    case "passkey":
      return Object.freeze({
        ...base,
        kind: "passkey",
        credentialId: String(row.credential_id),
        publicKey: String(row.public_key),
        counter: toTime(row.counter),
        transports: Object.freeze([...(row.transports as string[])]),
        backedUp: row.backed_up === true,
      });
    default:
      throw new Error("the factor store holds a factor of an unknown kind");
  }
}

function rowToDevice(row: Record<string, unknown>): TrustedDevice {
  return Object.freeze({
    id: String(row.id),
    userId: String(row.user_id),
    tokenHash: String(row.token_hash),
    label: String(row.label),
    createdAt: toTime(row.created_at),
    lastUsedAt: toTime(row.last_used_at),
    expiresAt: toTime(row.expires_at),
  });
}
