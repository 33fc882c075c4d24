import type { Context } from "koa";
import type { SessionPort } from "../../src/boundary.js";
import { ErrorCodes, SecondFactorError } from "../../src/errors.js";
import type { SessionAccess } from "../shared/session-port.js";
import { LazySessionPort, recordIn, type SessionBinding } from "../shared/session-port.js";

/** The parts of a koa-session session object the adapter uses. */
interface SessionLike {
  [key: string]: unknown;
  regenerate?: () => Promise<void> | undefined;
  save?: () => Promise<void> | undefined;
}

/** The koa-session options the adapter reads to tell a server-side store from a cookie session. */
interface SessionOptionsLike {
  store?: unknown;
  ContextStore?: unknown;
}

type ContextWithSession = Context & { session?: unknown; sessionOptions?: SessionOptionsLike };

function sessionOf(ctx: Context): SessionLike | undefined {
  const session = (ctx as ContextWithSession).session;
  return typeof session === "object" && session !== null ? (session as SessionLike) : undefined;
}

/** True when koa-session keeps the data in an external store (`store` or `ContextStore`), not in the cookie. */
export function usesExternalStore(ctx: Context): boolean {
  const options = (ctx as ContextWithSession).sessionOptions;
  return options?.store != null || options?.ContextStore != null;
}

/** What {@link koaSessionPort} needs of one `secondFactor(options)` instance; made once by {@link koaSessionOptions}. */
export interface KoaSessionOptions {
  readonly allowClientSideSessions: boolean;
  /**
   * {@link usesExternalStore} per Koa app, for the guard's hot path: koa-session gives an app's contexts
   * the options of the first `session(opts, app)` for good, and reading them through its getters costs
   * about a microsecond a request on a busy server.
   */
  readonly externalStoreByApp: WeakMap<object, boolean>;
  /** The record in koa-session's session, with its regenerate and save. */
  readonly binding: SessionBinding<Context>;
}

/**
 * The session options of one instance, made once when its middleware is built (never per request).
 * @example
 * const sessionOptions = koaSessionOptions(core);
 * const session = koaSessionPort(ctx, sessionOptions);
 */
export function koaSessionOptions(core: {
  readonly sessionKey: string;
  readonly allowClientSideSessions: boolean;
}): KoaSessionOptions {
  return {
    allowClientSideSessions: core.allowClientSideSessions,
    externalStoreByApp: new WeakMap(),
    binding: { key: core.sessionKey, access: koaAccess },
  };
}

/** Why a context's session cannot be used: no koa-session in front, or a refused cookie-only session. */
const NO_SESSION_MIDDLEWARE: unique symbol = Symbol("no session middleware");
const CLIENT_SIDE_REFUSED: unique symbol = Symbol("client-side session refused");

/** The session of `ctx` when second-factor may keep its record there; otherwise why not. */
function usableSession(
  ctx: Context,
  options: KoaSessionOptions,
): SessionLike | typeof NO_SESSION_MIDDLEWARE | typeof CLIENT_SIDE_REFUSED {
  const session = sessionOf(ctx);
  if (
    session === undefined ||
    typeof session.regenerate !== "function" ||
    typeof session.save !== "function"
  ) {
    return NO_SESSION_MIDDLEWARE;
  }
  if (!options.allowClientSideSessions && !appUsesExternalStore(ctx, options)) return CLIENT_SIDE_REFUSED;
  return session;
}

/**
 * The {@link SessionPort} over `ctx.session`, or a configuration error when there is none to use: no
 * koa-session in front, or a cookie-only session the app did not opt in to.
 */
export function koaSessionPort(ctx: Context, options: KoaSessionOptions): SessionPort {
  const session = usableSession(ctx, options);
  if (session === NO_SESSION_MIDDLEWARE) throw noSessionMiddleware();
  if (session === CLIENT_SIDE_REFUSED) throw clientSideSessionRefused();
  return new LazySessionPort(ctx, options.binding);
}

/**
 * The guard's hot path: the raw record of a session {@link koaSessionPort} would accept, read without
 * building a port; `undefined` for anything else (no koa-session, a refused cookie-only session),
 * which sends the guard down the full path and its errors. Never throws, allocates nothing.
 * @example
 * if (guard.passes(usableRecord(ctx, sessionOptions), user)) return next();
 */
export function usableRecord(ctx: Context, options: KoaSessionOptions): unknown {
  const session = usableSession(ctx, options);
  return typeof session === "object" ? session[options.binding.key] : undefined;
}

function appUsesExternalStore(ctx: Context, options: KoaSessionOptions): boolean {
  const app = (ctx as { app?: unknown }).app;
  if (typeof app !== "object" || app === null) return usesExternalStore(ctx);
  let external = options.externalStoreByApp.get(app);
  if (external === undefined) {
    external = usesExternalStore(ctx);
    options.externalStoreByApp.set(app, external);
  }
  return external;
}

function currentSession(ctx: Context): SessionLike {
  const session = sessionOf(ctx);
  if (session === undefined) throw new Error("the session was removed from the context");
  return session;
}

function koaAccess(ctx: Context, key: string): SessionAccess {
  return {
    read: () => recordIn(ctx, key),
    write(record) {
      const session = currentSession(ctx);
      if (record === undefined) delete session[key];
      else session[key] = record;
    },
    // koa-session keeps the session's data when it regenerates: the record and its return-to stay.
    regenerate: async () => {
      await currentSession(ctx).regenerate?.();
    },
    save: async () => {
      await currentSession(ctx).save?.();
    },
  };
}

function noSessionMiddleware(): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    "second-factor: this request has no session (ctx.session is missing). Mount a server-side session " +
      "middleware before second-factor: app.use(session({ store, ... }, app)) from koa-session, then " +
      "app.use(mfa.routes()), then the guards.",
  );
}

function clientSideSessionRefused(): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    "second-factor: koa-session is keeping the session in the cookie (it has no `store`). The second " +
      "factor needs a server-side session so that verifying changes the session id and logout really " +
      "ends a verified session. Give koa-session a `store` option, or accept the weaker guarantees with " +
      "the option allowClientSideSessions: true (see docs/koa.md).",
  );
}
