/**
 * `second-factor/express`: the Express adapter (Express ^4.21.2 and ^5). Mount a server-side session
 * first, then the challenge flow, then guard routes.
 * @example
 * import session from "express-session";
 * import { secondFactor } from "second-factor/express";
 * import { twilioVerify } from "second-factor/twilio";
 *
 * const mfa = secondFactor({
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (req) => req.user && { id: req.user.id, phone: req.user.phone },
 * });
 * app.use(session({ store, secret, resave: false, saveUninitialized: false }));
 * app.use(mfa.sessionErrorHandler());
 * app.use(mfa.routes());
 * app.get("/account", mfa.requireSecondFactor(), showAccount);
 * app.post("/transfer", mfa.requireSecondFactor({ maxAge: "5m" }), transfer);
 * @packageDocumentation
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { GuardPolicy } from "../../src/boundary.js";
import { createSecondFactorCore } from "../../src/core.js";
import type { SecondFactorOptions as CoreOptions } from "../../src/options/index.js";
import type {
  SecondFactorStatus,
  SecondFactorStatusOptions,
  SecondFactorStepUpStatus,
} from "../../src/status.js";
import type { FactorStore } from "../../src/stores/index.js";
import { assertCalledAsFactory } from "../shared/misuse.js";
import { statusReaderFor } from "../shared/session-status.js";
import { unlockerFor } from "../shared/unlock.js";
import { expressMiddleware } from "./middleware.js";
import { expressSessionOptions, expressSessionPort } from "./session.js";

export type { SecondFactorUser } from "../../src/boundary.js";
export type {
  NotVerifiedStatus,
  PendingStatus,
  SecondFactorStatus,
  SecondFactorStatusOptions,
  SecondFactorStepUpStatus,
  StepUpWindow,
  VerifiedStatus,
} from "../../src/status.js";

/**
 * Options of {@link secondFactor}: the same in `second-factor/express` and `second-factor/koa`, with
 * `req` (an Express `Request`) given to `user(...)` and `when(...)`.
 * @example
 * const options: SecondFactorOptions = { provider, user: (req) => req.user ?? null, loginPath: "/login" };
 */
export type SecondFactorOptions = CoreOptions<Request>;

/**
 * A route's policy for {@link SecondFactor.requireSecondFactor}: `maxAge` (step-up), `channels`, `when`.
 * @default {} (any second factor passed in this session, on any of the instance's channels)
 * @example
 * const stepUp: SecondFactorPolicy = { maxAge: "5m" };
 */
export type SecondFactorPolicy = GuardPolicy<Request>;

/**
 * One second-factor instance for an Express app, made by {@link secondFactor}.
 * @example
 * app.use(mfa.routes());
 * app.get("/account", mfa.requireSecondFactor(), showAccount);
 */
export interface SecondFactor {
  /**
   * The challenge flow (`GET /2fa`, `POST /2fa/send`, `/verify`, `/cancel` under `basePath`) and the
   * settings (`GET /2fa/setup`, `/2fa/setup/phone...`, `POST /2fa/setup/remove`), as one
   * middleware. Mount it app-wide after the session middleware; it passes every other path on.
   * @example
   * app.use(mfa.routes());
   */
  routes(): RequestHandler;
  /**
   * A guard for a route: a session that has not passed the second factor (recently enough, with
   * `maxAge`) is sent to the challenge, or gets a 401 when it asks for JSON; a request without a user
   * goes to `loginPath`. The route's handler runs only for a verified session.
   * @default policy {} (no step-up, the instance's channels, always applied)
   * @example
   * app.post("/transfer", mfa.requireSecondFactor({ maxAge: "5m" }), transfer);
   */
  requireSecondFactor(policy?: SecondFactorPolicy): RequestHandler;
  /**
   * An error middleware that answers session-store failures raised before it (express-session hands a
   * store error to `next(err)`) with the flow's 503 and `Retry-After`, never a pass or a stack trace.
   * Mount it right after the session middleware; other errors go on to your handlers.
   * @example
   * app.use(session({ store, secret, resave: false, saveUninitialized: false }));
   * app.use(mfa.sessionErrorHandler());
   */
  sessionErrorHandler(): ErrorRequestHandler;
  /**
   * Where this request's session stands with the second factor, for pages and APIs to show. Calls your
   * `user(...)` callback (as the guard does) and reads the record in the session on the app's clock
   * (`now`): `{ verified: false, pending }` for a session that has not passed it (or whose record is
   * another user's, of an unknown version or of a bad shape, or without a user), else `{ verified: true,
   * verifiedAt, channel, pending }`. With `{ maxAge }` a verified session also says whether a step-up
   * with that `maxAge` would pass now (`stepUpOpen`) and until when (`stepUpOpenUntil`). Never a code or
   * a full destination (`pending.maskedDestination` is masked).
   *
   * Always returns a promise, whether `user(...)` is async or not. It rejects with the guard's errors
   * (no session middleware or a refused client-side session: `ERR_SF_MISCONFIGURED`; a failed session
   * store: `ERR_SF_STORE_UNAVAILABLE`, 503) and with `ERR_SF_INVALID_OPTION` for a bad `maxAge`. For
   * display only: protect routes with {@link SecondFactor.requireSecondFactor}, never with this.
   * @default options {} (no step-up window reported)
   * @example
   * app.get("/", async (req, res) => {
   *   const status = await mfa.status(req, { maxAge: "5m" });
   *   // { verified: true, verifiedAt: Date, channel: "sms", pending: null, stepUpOpen: true, stepUpOpenUntil: Date }
   *   res.json({ verified: status.verified, canTransfer: status.verified && status.stepUpOpen });
   * });
   */
  status(
    req: Request,
    options: SecondFactorStatusOptions & { maxAge: string | number },
  ): Promise<SecondFactorStepUpStatus>;
  status(req: Request, options?: SecondFactorStatusOptions): Promise<SecondFactorStatus>;
  /**
   * Support's unlock: ends the account's lock after too many wrong codes, and its count of them.
   * @example
   * await mfa.unlock("user-42");
   */
  unlock(userId: string): Promise<void>;
  /**
   * The store of enrolled factors (the `factors` option, parsed): enrol a phone your app has verified
   * itself, list an account's factors for support.
   * @default a memory store
   * @example
   * await mfa.factors.addFactor("alice", { kind: "phone", name: "Phone", destination: "+15017122661", createdAt: Date.now(), verifiedAt: Date.now() });
   */
  readonly factors: FactorStore;
}

/**
 * Makes the second-factor instance for an Express app. The options are validated now: a missing
 * `provider` or `user`, an unknown key or a bad value throws `ERR_SF_INVALID_OPTION` at start-up.
 * @example
 * const mfa = secondFactor({
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (req) => req.user && { id: req.user.id, phone: req.user.phone },
 *   loginPath: "/login",
 * });
 */
export function secondFactor(options: SecondFactorOptions): SecondFactor {
  assertCalledAsFactory("secondFactor", [options], "secondFactor({ provider, user })");
  const core = createSecondFactorCore<Request>(options);
  const sessionOptions = expressSessionOptions(core);
  return {
    ...expressMiddleware(core),
    unlock: unlockerFor(core),
    factors: core.factors,
    status: statusReaderFor(core, (req) => expressSessionPort(req, sessionOptions), "req"),
  };
}
