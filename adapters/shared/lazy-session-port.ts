import type { SessionPort } from "../../src/boundary.js";
import { createSessionPort, type SessionAccess } from "./session-port.js";

/**
 * How one framework reaches the record in its session, made once per instance: the record's key and
 * plain functions of the native request, so that a port per request allocates no closure.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const binding: SessionBinding<Context> = { key: core.sessionKey, read: readRecordOf, access: koaAccess };
 */
export interface SessionBinding<Native> {
  /** The session key the record lives under (the instance's `sessionKey`). */
  readonly key: string;
  /** The record's raw value in the native request's session, read in place (the guard's hot path). */
  read(native: Native, key: string): unknown;
  /** The full session operations; called once per request, on its first write, regenerate or save. */
  access(native: Native, key: string): SessionAccess;
}

/**
 * The {@link SessionPort} of one request. Reads go straight to the session through `binding.read` (the
 * guard's hot path: one small object, no closures); the first write, regenerate or save builds the
 * full port with its rollback on store failure (`createSessionPort`), which then serves every later
 * call. One concrete class on purpose: V8 builds and discards it as cheaply as a hand-written one, which
 * a subclass of an abstract base did not (about 20 ns more a request in a micro-benchmark).
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const session: SessionPort = new LazySessionPort(ctx, binding);
 */
export class LazySessionPort<Native> implements SessionPort {
  readonly #native: Native;
  readonly #binding: SessionBinding<Native>;
  #port: SessionPort | undefined;

  constructor(native: Native, binding: SessionBinding<Native>) {
    this.#native = native;
    this.#binding = binding;
  }

  readRecord(): unknown {
    return this.#port === undefined
      ? this.#binding.read(this.#native, this.#binding.key)
      : this.#port.readRecord();
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
