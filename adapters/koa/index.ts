/**
 * `second-factor/koa`: the Koa adapter (Koa ^2.16.3 and ^3.0.1, with koa-session and @koa/router).
 * Mount a server-side session first, then the challenge flow, then guard routes.
 * @example
 * import session from "koa-session";
 * import Router from "@koa/router";
 * import { secondFactor } from "second-factor/koa";
 * import { twilioVerify } from "second-factor/twilio";
 *
 * const mfa = secondFactor({
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (ctx) => ctx.state.user && { id: ctx.state.user.id, phone: ctx.state.user.phone },
 * });
 * app.use(mfa.sessionErrorHandler());
 * app.use(session({ store }, app));
 * app.use(mfa.routes());
 * router.get("/account", mfa.requireSecondFactor(), showAccount);
 * router.post("/transfer", mfa.requireSecondFactor({ maxAge: "5m" }), transfer);
 * @packageDocumentation
 */
import type { Context, Middleware } from "koa";
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
import { koaMiddleware } from "./middleware.js";
import { koaSessionOptions, koaSessionPort } from "./session.js";

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
export {
  type RedisSessionStore,
  type RedisSessionStoreOptions,
  redisSessionStore,
} from "./redis-session-store.js";

/**
 * Options of {@link secondFactor}: the same in `second-factor/express` and `second-factor/koa`, with
 * `ctx` (a Koa `Context`) given to `user(...)` and `when(...)`.
 * @example
 * const options: SecondFactorOptions = { provider, user: (ctx) => ctx.state.user ?? null, loginPath: "/login" };
 */
export type SecondFactorOptions = CoreOptions<Context>;

/**
 * A route's policy for {@link SecondFactor.requireSecondFactor}: `maxAge` (step-up), `channels`, `when`.
 * @default {} (any second factor passed in this session, on any of the instance's channels)
 * @example
 * const stepUp: SecondFactorPolicy = { maxAge: "5m" };
 */
export type SecondFactorPolicy = GuardPolicy<Context>;

/**
 * One second-factor instance for a Koa app, made by {@link secondFactor}.
 * @example
 * app.use(mfa.routes());
 * router.get("/account", mfa.requireSecondFactor(), showAccount);
 */
export interface SecondFactor {
  /**
   * The challenge flow (`GET /2fa`, `POST /2fa/send`, `/verify`, `/cancel` under `basePath`) and the
   * settings (`GET /2fa/setup`, `/2fa/setup/phone...`, `POST /2fa/setup/remove`), as one
   * middleware. Mount it app-wide after the session middleware; it passes every other path on.
   * @example
   * app.use(mfa.routes());
   */
  routes(): Middleware;
  /**
   * A guard for a route: a session that has not passed the second factor (recently enough, with
   * `maxAge`) is sent to the challenge, or gets a 401 when it asks for JSON; a request without a user
   * goes to `loginPath`. The route's handler runs only for a verified session.
   * @default policy {} (no step-up, the instance's channels, always applied)
   * @example
   * router.post("/transfer", mfa.requireSecondFactor({ maxAge: "5m" }), transfer);
   */
  requireSecondFactor(policy?: SecondFactorPolicy): Middleware;
  /**
   * A middleware that answers session-store failures (koa-session's store throwing while it loads the
   * session) with the flow's 503 and `Retry-After`, never a pass or a stack trace. Mount it before
   * koa-session, with `routes()` right after koa-session; errors raised after `routes()` go on to Koa.
   * @example
   * app.use(mfa.sessionErrorHandler());
   * app.use(session({ store }, app));
   * app.use(mfa.routes());
   */
  sessionErrorHandler(): Middleware;
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
   * router.get("/", async (ctx) => {
   *   const status = await mfa.status(ctx, { maxAge: "5m" });
   *   // { verified: true, verifiedAt: Date, channel: "sms", pending: null, stepUpOpen: true, stepUpOpenUntil: Date }
   *   ctx.body = { verified: status.verified, canTransfer: status.verified && status.stepUpOpen };
   * });
   */
  status(
    ctx: Context,
    options: SecondFactorStatusOptions & { maxAge: string | number },
  ): Promise<SecondFactorStepUpStatus>;
  status(ctx: Context, options?: SecondFactorStatusOptions): Promise<SecondFactorStatus>;
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
 * Makes the second-factor instance for a Koa app. The options are validated now: a missing
 * `provider` or `user`, an unknown key or a bad value throws `ERR_SF_INVALID_OPTION` at start-up.
 * @example
 * const mfa = secondFactor({
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (ctx) => ctx.state.user && { id: ctx.state.user.id, phone: ctx.state.user.phone },
 *   loginPath: "/login",
 * });
 */
export function secondFactor(options: SecondFactorOptions): SecondFactor {
  assertCalledAsFactory("secondFactor", [options], "secondFactor({ provider, user })");
  const core = createSecondFactorCore<Context>(options);
  const sessionOptions = koaSessionOptions(core);
  return {
    ...koaMiddleware(core),
    unlock: unlockerFor(core),
    factors: core.factors,
    status: statusReaderFor(core, (ctx) => koaSessionPort(ctx, sessionOptions), "ctx"),
  };
}
