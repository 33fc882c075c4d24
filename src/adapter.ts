/**
 * `second-factor/adapter`: what only the author of an adapter needs, to wrap the framework-agnostic
 * core for a framework other than Express or Koa. Apps import `second-factor/express` or
 * `second-factor/koa` instead. The contract is DESIGN §3: a request view and a session port in, a
 * {@link Decision} out.
 * @example
 * import { createSecondFactorCore, NEXT, readBody } from "second-factor/adapter";
 * const core = createSecondFactorCore<MyRequest>(options);
 * const decision = await core.guard().decide(req, view, session, await core.resolveUser(req));
 * if (decision === NEXT) return next();
 * @packageDocumentation
 */

export { type RawRequest, type ReadBodyOptions, readBody } from "../adapters/shared/body/read-body.js";
export type {
  BodyResult,
  CoreGuard,
  Decision,
  DecisionCookie,
  DecisionCookies,
  DecisionHeaders,
  GuardPolicy,
  RequestView,
  SecondFactorCore,
  SecondFactorUser,
  SessionPort,
} from "./boundary.js";
export { NEXT } from "./boundary.js";
export { createSecondFactorCore, type SecondFactorCoreInstance } from "./core.js";
