import type { CoreGuard, GuardPolicy, SecondFactorCore, SecondFactorUser } from "./boundary.js";
import { withoutVoidPending } from "./flow/context.js";
import { isOnFileId, onFileDestinations } from "./flow/destinations.js";
import { createFlow } from "./flow/index.js";
import { createGuard } from "./guard/index.js";
import type { Limits } from "./limits/index.js";
import { type CoreConfig, parseOptions, type SecondFactorOptions } from "./options/index.js";
import { checkUser } from "./options/user.js";
import { failClosedLimits } from "./outage.js";
import { readRecord } from "./record/index.js";
import { createResponder } from "./respond/index.js";
import {
  parseStatusOptions,
  type SecondFactorStatus,
  type SecondFactorStepUpStatus,
  statusOfRecord,
} from "./status.js";
import type { FactorStore } from "./stores/index.js";
import { isThenable } from "./thenable.js";

/**
 * The core an adapter wraps, with the support calls an app may expose.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const core: SecondFactorCoreInstance<Request> = createSecondFactorCore<Request>(options);
 * await core.unlock("user-42");
 */
export interface SecondFactorCoreInstance<Native> extends SecondFactorCore<Native> {
  /**
   * Support's unlock: ends an account's lock and its count of wrong codes (DESIGN §4 rule 7).
   * @example
   * await core.unlock(user.id);
   */
  unlock(userId: string): Promise<void>;
  /**
   * The parsed `factors` option: the store of enrolled factors, for an app that enrols phones it has
   * verified itself (events are not emitted and trusted devices not revoked: that is the app's call).
   * @default a memory store
   * @example
   * await core.factors.addFactor("alice", { kind: "phone", name: "Phone", destination: "+15017122661", createdAt: Date.now(), verifiedAt: Date.now() });
   */
  readonly factors: FactorStore;
  /** The flow's login path, for adapters that link to it. @default "/login" */
  readonly loginPath: string;
  /**
   * Where the session stands with the second factor, from the raw value under {@link sessionKey}, the
   * user `resolveUser` gave and the app's clock (`now`); a pending challenge the flow would drop (a
   * changed phone, a channel no longer offered) is not reported. `options` is `{ maxAge? }`, validated
   * (`ERR_SF_INVALID_OPTION`). The adapters' `mfa.status(req)` wraps this.
   * @default options {} (no step-up window reported)
   * @example
   * const status = core.status(session.readRecord(), await core.resolveUser(req), { maxAge: "5m" });
   */
  status(
    raw: unknown,
    user: SecondFactorUser | null,
    options?: unknown,
  ): SecondFactorStatus | SecondFactorStepUpStatus;
}

/**
 * Makes the framework-agnostic core from one options object, validated now (`ERR_SF_INVALID_OPTION`
 * naming the option and the fix). The adapters call this; apps use `secondFactor(options)` from
 * `second-factor/express` or `second-factor/koa`.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const core = createSecondFactorCore<Request>({
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (req) => req.user && { id: req.user.id, phone: req.user.phone },
 *   secret: process.env.SECOND_FACTOR_SECRET,
 * });
 * const decision = await core.guard({ maxAge: "5m" }).decide(req, view, session, await core.resolveUser(req));
 */
export function createSecondFactorCore<Native>(
  options: SecondFactorOptions<Native>,
): SecondFactorCoreInstance<Native> {
  const config: CoreConfig<Native> = parseOptions<Native>(options);
  const shared = config as CoreConfig<unknown>;
  const limits: Limits = failClosedLimits(config.limits);
  // Not awaited: a provider's start-up check warns, it never blocks or fails the app.
  void Promise.resolve()
    .then(() =>
      config.provider.configure?.({
        channels: config.channels,
        codeLength: config.codeLength,
        logger: config.logger,
      }),
    )
    .catch((error: unknown) =>
      config.logger.warn(`second-factor: the provider's start-up check failed: ${String(error)}`),
    );
  const respond = createResponder(shared);
  const flow = createFlow(shared, limits, respond);

  return {
    basePath: config.basePath,
    loginPath: config.loginPath,
    factors: config.factors,
    sessionKey: config.sessionKey,
    bodyLimit: config.bodyLimit,
    allowClientSideSessions: config.allowClientSideSessions,
    resolveUser(native: Native): SecondFactorUser | null | Promise<SecondFactorUser | null> {
      const result = config.user(native);
      if (isThenable(result)) {
        return Promise.resolve(result).then(checkUser);
      }
      return checkUser(result);
    },
    guard(policy?: GuardPolicy<Native>): CoreGuard<Native> {
      return createGuard<Native>(shared, respond, flow.failureDecision, policy);
    },
    handleFlow: (request, session, user) => flow.handleFlow(request, session, user),
    failureDecision: (error, request) => flow.failureDecision(error, request),
    unlock: (userId) => limits.unlock(userId),
    status(raw, user, options) {
      const maxAgeMs = parseStatusOptions(options);
      const stored = user === null ? undefined : readRecord(raw, user.id);
      if (stored === undefined || user === null) return statusOfRecord(undefined, config.now(), maxAgeMs);
      // status() reads no store: a challenge to an enrolled phone is checked by the flow, one to the
      // phone on file here.
      const enrolled = stored.pending?.factorId !== undefined && !isOnFileId(stored.pending.factorId);
      const record = enrolled ? stored : withoutVoidPending(shared, limits, stored, onFileDestinations(user));
      return statusOfRecord(record, config.now(), maxAgeMs, config.channels);
    },
  };
}
