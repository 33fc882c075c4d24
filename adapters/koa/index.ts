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
import type { SecondFactorOptions as CoreOptions } from "../../src/options.js";
import { assertCalledAsFactory } from "../shared/misuse.js";
import { unlockerFor } from "../shared/unlock.js";
import { koaMiddleware } from "./adapter.js";

export type { SecondFactorUser } from "../../src/boundary.js";
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
   * The challenge flow (`GET /2fa`, `POST /2fa/send`, `/verify`, `/cancel` under `basePath`), as one
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
   * Support's unlock: ends the account's lock after too many wrong codes, and its count of them.
   * @example
   * await mfa.unlock("user-42");
   */
  unlock(userId: string): Promise<void>;
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
  return { ...koaMiddleware(core), unlock: unlockerFor(core) };
}
