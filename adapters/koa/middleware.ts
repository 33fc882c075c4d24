import type { Context, Middleware, Next } from "koa";
import type { Decision, GuardPolicy, SecondFactorCore } from "../../src/boundary.js";
import { NEXT } from "../../src/boundary.js";
import { isSecondFactorError } from "../../src/errors.js";
import { isThenable } from "../../src/thenable.js";
import { guardRefusal, type ResponseDecision, responseParts } from "../shared/decision.js";
import { isUnderBasePath } from "../shared/flow-path.js";
import { assertCalledAsFactory } from "../shared/misuse.js";
import { sessionStoreUnavailable } from "../shared/session-port.js";
import { KoaRequestView } from "./request-view.js";
import { koaSessionOptions, koaSessionPort, usableRecord, usesExternalStore } from "./session.js";

/** The user of a request not asked for yet (the full path asks after checking the session). */
const UNRESOLVED: unique symbol = Symbol("unresolved");
type KnownUser = ReturnType<SecondFactorCore<Context>["resolveUser"]> | typeof UNRESOLVED;

/** The middleware factories of one `secondFactor(options)` instance for Koa. */
export interface KoaSecondFactorMiddleware {
  routes(): Middleware;
  requireSecondFactor(policy?: GuardPolicy<Context>): Middleware;
  sessionErrorHandler(): Middleware;
}

/** Builds the Koa middleware around a core. Exported for tests that drive the adapter with a fake core. */
export function koaMiddleware(core: SecondFactorCore<Context>): KoaSecondFactorMiddleware {
  const sessionOptions = koaSessionOptions(core);
  /**
   * Marks a context that got past the session middleware to one of ours (see `sessionErrorHandler`).
   * A property per instance, not a WeakSet: adding a new object to a WeakSet costs ~150 ns a request.
   */
  const reached = Symbol("second-factor reached");
  const markReached = (ctx: Context): void => {
    (ctx as Context & { [reached]?: true })[reached] = true;
  };
  const hasReached = (ctx: Context): boolean => (ctx as Context & { [reached]?: true })[reached] === true;

  /** Answers a failure with the core's 503 for outages; anything else is thrown on to Koa. */
  const fail = (error: unknown, ctx: Context, view: KoaRequestView): void => {
    const decision = core.failureDecision(error, view);
    if (decision === undefined || decision.kind === "next") throw error;
    setDecision(ctx, decision);
  };

  const answer = (decision: Decision | undefined, ctx: Context, next: Next): Promise<unknown> | undefined => {
    if (decision === undefined || decision.kind === "next") return next();
    setDecision(ctx, decision);
    return undefined;
  };

  function routes(this: unknown, ...args: unknown[]): Middleware {
    assertCalledAsFactory("routes", args, "app.use(mfa.routes())");
    // Not async: every request of the app passes here, and most only go on to `next()`.
    return function secondFactorRoutes(ctx, next) {
      markReached(ctx);
      if (!isUnderBasePath(ctx.originalUrl, core.basePath)) return Promise.resolve(next());
      return handleFlowRequest(ctx, next);
    };
  }

  /** A request under the flow's base path: the flow answers it, or passes it on. */
  const handleFlowRequest = async (ctx: Context, next: Next): Promise<void> => {
    const view = new KoaRequestView(ctx, core.bodyLimit);
    let decision: Decision | undefined;
    try {
      const session = koaSessionPort(ctx, sessionOptions);
      const user = await core.resolveUser(ctx);
      decision = await core.handleFlow(view, session, user);
    } catch (error) {
      fail(error, ctx, view);
      return;
    }
    await answer(decision, ctx, next);
  };

  function requireSecondFactor(this: unknown, ...args: unknown[]): Middleware {
    assertCalledAsFactory(
      "requireSecondFactor",
      args,
      "router.get(path, mfa.requireSecondFactor(), handler)",
    );
    const guard = core.guard(args[0] as GuardPolicy<Context> | undefined);
    /** Everything but the hot path: a refusal, a `when` policy, an async `user`, a missing or refused session. */
    const guardFully = (ctx: Context, next: Next, known: KnownUser): Promise<unknown> => {
      const view = new KoaRequestView(ctx, core.bodyLimit);
      let decision: Decision | Promise<Decision>;
      try {
        const session = koaSessionPort(ctx, sessionOptions);
        const user = known === UNRESOLVED ? core.resolveUser(ctx) : known;
        decision = isThenable(user)
          ? user.then((resolved) => guard.decide(ctx, view, session, resolved))
          : guard.decide(ctx, view, session, user);
      } catch (error) {
        return settleGuard(Promise.reject(error), ctx, view, next);
      }
      if (decision === NEXT) return Promise.resolve(next());
      if (isThenable(decision)) return settleGuard(decision, ctx, view, next);
      // A refusal known at once (nothing to save) is answered at once, without an async frame; only
      // NEXT passes, and anything else must be a response, or the request fails (fail closed).
      let refusal: Decision;
      try {
        refusal = guardRefusal(decision);
      } catch (error) {
        return settleGuard(Promise.reject(error), ctx, view, next);
      }
      setDecision(ctx, refusal as ResponseDecision);
      return Promise.resolve();
    };
    // The hot path (a verified session): the user callback and the record's check, without a promise,
    // a microtask or an allocation of ours. A session the full path would refuse is never read here.
    return function secondFactorGuard(ctx, next) {
      markReached(ctx);
      const record = usableRecord(ctx, sessionOptions);
      if (record === undefined) return guardFully(ctx, next, UNRESOLVED);
      let user: KnownUser;
      let passed: boolean;
      try {
        user = core.resolveUser(ctx);
        passed = !isThenable(user) && guard.passes(record, user);
      } catch (error) {
        return settleGuard(Promise.reject(error), ctx, new KoaRequestView(ctx, core.bodyLimit), next);
      }
      if (passed) return Promise.resolve(next());
      return guardFully(ctx, next, user);
    };
  }

  /** Finishes a guard whose decision is not a synchronous pass: waits for it, then answers or fails. */
  const settleGuard = async (
    pending: Decision | Promise<Decision>,
    ctx: Context,
    view: KoaRequestView,
    next: Next,
  ): Promise<unknown> => {
    let decision: Decision;
    try {
      decision = await pending;
      // Only the one NEXT passes; any other answer must be a response, or the request fails (fail closed).
      if (decision !== NEXT) decision = guardRefusal(decision);
    } catch (error) {
      fail(error, ctx, view);
      return;
    }
    if (decision === NEXT) return next();
    await answer(decision, ctx, next);
  };

  function sessionErrorHandler(this: unknown, ...args: unknown[]): Middleware {
    assertCalledAsFactory("sessionErrorHandler", args, "app.use(mfa.sessionErrorHandler())");
    return async function secondFactorSessionErrors(ctx, next) {
      try {
        await next();
      } catch (error) {
        const view = new KoaRequestView(ctx, core.bodyLimit);
        // An error thrown before any of our middleware saw the request came from the session middleware
        // between them: with an external store, that is the store failing.
        if (isSecondFactorError(error)) {
          fail(error, ctx, view);
        } else if (!hasReached(ctx) && usesExternalStore(ctx) && !isClientError(error)) {
          fail(sessionStoreUnavailable(error), ctx, view);
        } else {
          throw error;
        }
      }
    };
  }

  return { routes, requireSecondFactor, sessionErrorHandler };
}

/** An HTTP error below 500 (e.g. `ctx.throw(400)`): the app's answer, not an outage. */
function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status < 500;
}

/**
 * Sets a core decision as the response. Koa itself leaves the body out for `HEAD` and keeps the headers.
 * The decision's cookies are added to any `Set-Cookie` already on the response.
 */
export function setDecision(ctx: Context, decision: ResponseDecision): void {
  const { status, headers, setCookies, text } = responseParts(decision);
  ctx.status = status;
  for (const [name, value] of headers) ctx.set(name, value);
  // Appended, not set: koa-session (and the app) add their own cookies to the same header.
  for (const value of setCookies) ctx.append("Set-Cookie", value);
  ctx.body = text;
}
