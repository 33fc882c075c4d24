import type { SessionPort } from "../../src/boundary.js";
import { ErrorCodes, SecondFactorError } from "../../src/errors.js";

/** How long a client is told to wait after a session-store failure, in seconds. */
const STORE_RETRY_AFTER_SECONDS = "5";

/** The framework-specific session operations a {@link SessionPort} is built from. */
export interface SessionAccess {
  /** The record's current value in the session. */
  read(): unknown;
  /** Sets the record (`undefined` removes it). */
  write(record: unknown): void;
  /** Gives the session a new id keeping its data; rejects with the store's own error. */
  regenerate(): Promise<void>;
  /** Persists the session now; rejects with the store's own error. */
  save(): Promise<void>;
}

/**
 * The error that stands for a failed session store: 503 with `Retry-After`, never exposed, the store's
 * error kept as `cause` for the app's logs.
 */
export function sessionStoreUnavailable(cause: unknown): SecondFactorError {
  return new SecondFactorError(ErrorCodes.STORE_UNAVAILABLE, "second-factor: the session store failed.", {
    status: 503,
    expose: false,
    headers: { "Retry-After": STORE_RETRY_AFTER_SECONDS },
    cause,
  });
}

/**
 * Wraps {@link SessionAccess} into the core's {@link SessionPort}. When the store fails, the record is put
 * back to what it was before this request wrote it and later writes are ignored, so a session saved
 * after the failure (by the middleware's own end-of-request save) never holds a half-written record.
 */
export function createSessionPort(access: SessionAccess): SessionPort {
  let written = false;
  let recordBeforeWrites: unknown;
  let failed: SecondFactorError | undefined;

  const fail = (cause: unknown): SecondFactorError => {
    // DESIGN §4 rule 8: a store failure never leaves a half-written record behind.
    if (written) access.write(recordBeforeWrites);
    failed = sessionStoreUnavailable(cause);
    return failed;
  };

  const guarded = async (operation: () => Promise<void>): Promise<void> => {
    if (failed) throw failed;
    try {
      await operation();
    } catch (error) {
      throw fail(error);
    }
  };

  return {
    readRecord: () => access.read(),
    writeRecord(record) {
      if (failed) return;
      if (!written) {
        recordBeforeWrites = copyOf(access.read());
        written = true;
      }
      access.write(record);
    },
    regenerate: () => guarded(() => access.regenerate()),
    save: () => guarded(() => access.save()),
  };
}

function copyOf(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== "object") return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
