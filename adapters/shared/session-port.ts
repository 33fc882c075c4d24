import type { SessionPort } from "../../src/boundary.js";
import { type SecondFactorError, storeUnavailable } from "../../src/errors.js";

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
 * A failure of the session store as `ERR_SF_STORE_UNAVAILABLE` (503, `Retry-After`).
 * @example
 * throw sessionStoreUnavailable(new Error("no session"));
 */
export function sessionStoreUnavailable(cause: unknown): SecondFactorError {
  return storeUnavailable(cause, "the session store");
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

/**
 * The record's raw value in a request's session: `req.session[key]` (express-session, cookie-session)
 * and `ctx.session[key]` (koa-session) alike, `undefined` without a session. One function for both
 * frameworks, so the guard's hot path stays a monomorphic field read even when an app mounts both.
 * @example
 * recordIn(ctx, "secondFactor"); // the record, or undefined
 */
export function recordIn(native: object, key: string): unknown {
  const session = (native as { session?: unknown }).session;
  return typeof session === "object" && session !== null
    ? (session as Record<string, unknown>)[key]
    : undefined;
}

/**
 * How one framework changes the record in its session, made once per instance: the record's key and
 * a plain function of the native request, so that a port per request allocates no closure.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const binding: SessionBinding<Context> = { key: core.sessionKey, access: koaAccess };
 */
export interface SessionBinding<Native> {
  /** The session key the record lives under (the instance's `sessionKey`). */
  readonly key: string;
  /** The full session operations; called once per request, on its first write, regenerate or save. */
  access(native: Native, key: string): SessionAccess;
}

/**
 * The {@link SessionPort} of one request. Reads go straight to the session with {@link recordIn} (the
 * guard's hot path: one small object, no closures); the first write, regenerate or save builds the
 * full port with its rollback on store failure (`createSessionPort`), which then serves every later
 * call. One concrete class on purpose: V8 builds and discards it as cheaply as a hand-written one, which
 * a subclass of an abstract base did not (about 20 ns more a request in a micro-benchmark).
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const session: SessionPort = new LazySessionPort(ctx, binding);
 */
export class LazySessionPort<Native extends object> implements SessionPort {
  readonly #native: Native;
  readonly #binding: SessionBinding<Native>;
  #port: SessionPort | undefined;

  constructor(native: Native, binding: SessionBinding<Native>) {
    this.#native = native;
    this.#binding = binding;
  }

  readRecord(): unknown {
    return this.#port === undefined ? recordIn(this.#native, this.#binding.key) : this.#port.readRecord();
  }

  writeRecord(record: unknown): void {
    this.#full().writeRecord(record);
  }

  regenerate(): Promise<void> {
    return this.#full().regenerate();
  }

  save(): Promise<void> {
    return this.#full().save();
  }

  #full(): SessionPort {
    this.#port ??= createSessionPort(this.#binding.access(this.#native, this.#binding.key));
    return this.#port;
  }
}
