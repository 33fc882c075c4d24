import type { SessionPort } from "../../src/boundary.js";
import { createSessionPort, type SessionAccess } from "./session-port.js";

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
