import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";
import type { Decision, GuardPolicy, SecondFactorCore } from "../../src/boundary.js";
import { NEXT } from "../../src/boundary.js";
import { isSecondFactorError } from "../../src/errors.js";
import { isThenable } from "../../src/thenable.js";
import { guardRefusal, type ResponseDecision, responseParts } from "../shared/decision.js";
import { isUnderBasePath } from "../shared/flow-path.js";
import { assertCalledAsFactory } from "../shared/misuse.js";
import { sessionStoreUnavailable } from "../shared/session-port.js";
import { ExpressRequestView } from "./request-view.js";
import { expressSessionOptions, expressSessionPort, usableRecord } from "./session.js";

/** The user of a request not asked for yet (the full path asks after checking the session). */
const UNRESOLVED: unique symbol = Symbol("unresolved");
type KnownUser = ReturnType<SecondFactorCore<Request>["resolveUser"]> | typeof UNRESOLVED;

/** The middleware factories of one `secondFactor(options)` instance for Express. */
export interface ExpressSecondFactorMiddleware {
  routes(): RequestHandler;
  requireSecondFactor(policy?: GuardPolicy<Request>): RequestHandler;
  sessionErrorHandler(): ErrorRequestHandler;
}

/** Builds the Express middleware around a core. Exported for tests that drive the adapter with a fake core. */
export function expressMiddleware(core: SecondFactorCore<Request>): ExpressSecondFactorMiddleware {
  const sessionOptions = expressSessionOptions(core);

  /** Answers a failure: the core's 503 for outages, else the error goes to the app's error handlers. */
  const fail = (
    error: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
    view: ExpressRequestView,
  ) => {
    let decision: Decision | undefined;
    try {
      decision = res.headersSent ? undefined : core.failureDecision(error, view);
    } catch (failureError) {
      next(failureError);
      return;
    }
    if (decision === undefined || decision.kind === "next") next(error);
    else answer(decision, req, res, next);
  };

  const answer = (decision: Decision | undefined, req: Request, res: Response, next: NextFunction) => {
    if (decision === undefined || decision.kind === "next") {
      next();
      return;
    }
    try {
      sendDecision(res, decision, req.method);
    } catch (error) {
      next(error);
    }
  };

  function routes(this: unknown, ...args: unknown[]): RequestHandler {
    assertCalledAsFactory("routes", args, "app.use(mfa.routes())");
    return function secondFactorRoutes(req, res, next) {
      if (!isUnderBasePath(req.originalUrl ?? req.url, core.basePath)) {
        next();
        return;
      }
      const view = new ExpressRequestView(req, core.bodyLimit);
      // Express 4 does not catch a rejected promise: every async path ends in `next(err)` or a response.
      (async () => {
        const session = expressSessionPort(req, sessionOptions);
        const user = await core.resolveUser(req);
        return core.handleFlow(view, session, user);
      })().then(
        (decision) => answer(decision, req, res, next),
        (error: unknown) => fail(error, req, res, next, view),
      );
    };
  }

  function requireSecondFactor(this: unknown, ...args: unknown[]): RequestHandler {
    assertCalledAsFactory("requireSecondFactor", args, "app.get(path, mfa.requireSecondFactor(), handler)");
    const guard = core.guard(args[0] as GuardPolicy<Request> | undefined);
    /** Everything but the hot path: a refusal, a `when` policy, an async `user`, a missing or refused session. */
    const guardFully = (req: Request, res: Response, next: NextFunction, known: KnownUser): void => {
      const view = new ExpressRequestView(req, core.bodyLimit);
      let decision: Decision | Promise<Decision>;
      try {
        const session = expressSessionPort(req, sessionOptions);
        const user = known === UNRESOLVED ? core.resolveUser(req) : known;
        decision = isThenable(user)
          ? user.then((resolved) => guard.decide(req, view, session, resolved))
          : guard.decide(req, view, session, user);
      } catch (error) {
        fail(error, req, res, next, view);
        return;
      }
      // Only the one NEXT passes; any other answer must be a response, or the request fails (fail closed).
      const refuse = (settled: Decision): void => {
        if (settled === NEXT) {
          next();
          return;
        }
        let refusal: Decision;
        try {
          refusal = guardRefusal(settled);
        } catch (error) {
          fail(error, req, res, next, view);
          return;
        }
        answer(refusal, req, res, next);
      };
      // A decision known at once (nothing to save) is answered at once, without a promise.
      if (!isThenable(decision)) {
        refuse(decision);
        return;
      }
      decision.then(refuse, (error: unknown) => fail(error, req, res, next, view));
    };
    // The hot path (a verified session): one field read, the user callback, the record's check; no
    // allocation of ours. A session the full path would refuse is never read here.
    return function secondFactorGuard(req, res, next) {
      const record = usableRecord(req, sessionOptions);
      if (record === undefined) {
        guardFully(req, res, next, UNRESOLVED);
        return;
      }
      let user: ReturnType<typeof core.resolveUser>;
      let passed: boolean;
      try {
        user = core.resolveUser(req);
        passed = !isThenable(user) && guard.passes(record, user);
      } catch (error) {
        fail(error, req, res, next, new ExpressRequestView(req, core.bodyLimit));
        return;
      }
      if (passed) next();
      else guardFully(req, res, next, user);
    };
  }

  function sessionErrorHandler(this: unknown, ...args: unknown[]): ErrorRequestHandler {
    assertCalledAsFactory("sessionErrorHandler", args, "app.use(mfa.sessionErrorHandler())");
    return function secondFactorSessionErrors(error: unknown, req, res, next) {
      const view = new ExpressRequestView(req, core.bodyLimit);
      if (isSessionStoreFailure(req)) fail(sessionStoreUnavailable(error), req, res, next, view);
      else if (isSecondFactorError(error)) fail(error, req, res, next, view);
      else next(error);
    };
  }

  return { routes, requireSecondFactor, sessionErrorHandler };
}

/**
 * express-session exposes `req.sessionStore` before it asks the store for the session and hands a store
 * error to `next(err)` without setting `req.session`: that pair marks a session-store failure.
 */
function isSessionStoreFailure(req: Request): boolean {
  const fields = req as Request & { sessionStore?: unknown; session?: unknown };
  return fields.sessionStore !== undefined && (fields.session === undefined || fields.session === null);
}

/**
/** Adds `values` after the `Set-Cookie` headers already set (express-session adds its own at write time). */
function appendSetCookies(res: Response, values: readonly string[]): void {
  const earlier = res.getHeader("Set-Cookie");
  const kept = earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)];
  res.setHeader("Set-Cookie", [...kept, ...values]);
}

/**
 * Writes a core decision as the response, with Node's own `ServerResponse` methods (the same in
 * Express 4 and 5). A `HEAD` request gets the headers only. The decision's cookies are added to any
 * `Set-Cookie` already on the response.
 */
export function sendDecision(res: Response, decision: ResponseDecision, method: string): void {
  const { status, headers, setCookies, text, byteLength } = responseParts(decision);
  res.statusCode = status;
  for (const [name, value] of headers) res.setHeader(name, value);
  if (setCookies.length > 0) appendSetCookies(res, setCookies);
  res.setHeader("Content-Length", byteLength);
  if (method === "HEAD") res.end();
  else res.end(text);
}
