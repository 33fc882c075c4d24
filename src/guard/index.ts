import {
  type CoreGuard,
  type Decision,
  type GuardPolicy,
  NEXT,
  type RequestView,
  type SecondFactorUser,
  type SessionPort,
} from "../boundary.js";
import { parseDuration } from "../duration.js";
import { SecondFactorError } from "../errors.js";
import { clearTrustCookie } from "../factors/trusted-device.js";
import { withCookies } from "../flow/passed.js";
import { wantsJson } from "../negotiate.js";
import {
  describeValue,
  invalidOption,
  isPlainObject,
  optionProblem,
  rejectUnknownKeys,
} from "../options/checks.js";
import type { CoreConfig } from "../options/index.js";
import { saveSession } from "../outage.js";
import type { Channel } from "../providers/index.js";
import {
  acceptedMethods,
  checkedReturnTo,
  isVerifiedFor,
  METHODS,
  type Method,
  newRecord,
  type Requirement,
  readRecord,
  type SecondFactorRecord,
  withoutFields,
} from "../record/index.js";
import type { Responder } from "../respond/index.js";
import { loginRequired, pathOf } from "../respond/login-required.js";
import { isThenable } from "../thenable.js";
import { passByTrustedDevice } from "./device-pass.js";

/** A policy after validation. */
interface ParsedPolicy<Native> {
  readonly maxAgeMs: number | undefined;
  readonly channels: readonly Method[] | undefined;
  readonly when: GuardPolicy<Native>["when"] | undefined;
}

/**
 * Answers a guard gives when the flow cannot (a store failing while the return-to is kept).
 * @example
 * const failure: GuardFailure = (error, request) => flow.failureDecision(error, request);
 */
export type GuardFailure = (error: unknown, request: RequestView) => Decision | undefined;

/**
 * Makes the guard of one route (`requireSecondFactor(policy)`): validates the policy now, then for
 * each request returns {@link NEXT} for a session of this user that passed the second factor (recently
 * enough, by an accepted channel), synchronously and without allocating; otherwise answers with a
 * redirect to the challenge (HTML; a GET is kept as the return-to) or a 401 (JSON; keeps no return-to).
 * @example
 * const guard = createGuard(config, respond, failureDecision, { maxAge: "5m" });
 * const decision = await guard.decide(req, view, session, user);
 */
export function createGuard<Native>(
  config: CoreConfig<unknown>,
  respond: Responder,
  failure: GuardFailure,
  policy: unknown,
): CoreGuard<Native> {
  const { maxAgeMs, channels: policyChannels, when } = parsePolicy<Native>(config, policy);
  const requirement: Requirement | undefined =
    maxAgeMs === undefined && policyChannels === undefined
      ? undefined
      : {
          ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
          ...(policyChannels === undefined ? {} : { channels: policyChannels }),
        };
  // A route without `methods` accepts the instance's channels and the enrolled factors, not any: a
  // session verified by a channel since removed from the config is not met, and a trusted device
  // never meets a step-up (rule 13). Chosen once here, so the hot path allocates nothing.
  const channels: readonly Method[] =
    policyChannels ?? acceptedMethods(config.channels, maxAgeMs !== undefined);
  const maxAgeSeconds = maxAgeMs === undefined ? undefined : Math.floor(maxAgeMs / 1000);
  const acceptsTrustedDevice = channels.includes("trusted_device");

  // The refusals are the same for every request of this route: made once, shared (they are frozen).
  const refusals = {
    json: deepFreeze(secondFactorRequired(config, respond, maxAgeSeconds, channels)),
    found: deepFreeze(respond.redirect(config.basePath, 302)),
    seeOther: deepFreeze(respond.redirect(config.basePath, 303)),
  };

  /** The refusal itself, once the record says what it must: the event, then 401 (JSON) or a redirect. */
  const refuse = (request: RequestView, user: SecondFactorUser, method: string, json: boolean): Decision => {
    config.emit({
      type: "challenge.required",
      userId: user.id,
      method,
      path: pathOf(request.url),
      ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    });
    if (json) return refusals.json;
    return method === "GET" || method === "HEAD" ? refusals.found : refusals.seeOther;
  };

  /** Runs `answer`; a store failure becomes the flow's answer to it (503), anything else is thrown. */
  const orFailure = async (request: RequestView, answer: () => Promise<Decision>): Promise<Decision> => {
    try {
      return await answer();
    } catch (error) {
      const decision = failure(error, request);
      if (decision === undefined) throw error;
      return decision;
    }
  };

  /** Writes and saves the record first (rule 8: a store failure answers 503 and keeps nothing half-written). */
  const refuseAfterSaving = (
    record: SecondFactorRecord,
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser,
    method: string,
    json: boolean,
  ): Promise<Decision> =>
    orFailure(request, async () => {
      session.writeRecord(record);
      await saveSession(session);
      return refuse(request, user, method, json);
    });

  const challenge = (
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser,
  ): Decision | Promise<Decision> => {
    const method = request.method.toUpperCase();
    const json = wantsJson(request.accept);
    // HEAD is stopped like everything else but keeps nothing: it is not a navigation to come back to.
    if (method === "HEAD") return refuse(request, user, method, json);
    if (acceptsTrustedDevice) return challengeOrTrust(request, session, user, method, json);
    return challengeAfterTrust(request, session, user, method, json);
  };

  /** Rule 13: a plain route lets a trusted device verify the session; a bad token is cleared. */
  const challengeOrTrust = async (
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser,
    method: string,
    json: boolean,
  ): Promise<Decision> =>
    orFailure(request, async () => {
      const outcome = await passByTrustedDevice(config, request, session, user);
      if (outcome === "passed") return NEXT;
      const decision = await challengeAfterTrust(request, session, user, method, json);
      if (outcome !== "clear") return decision;
      return withCookies(decision, [clearTrustCookie(config.trustedDevices, request.secure)]);
    });

  const challengeAfterTrust = (
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser,
    method: string,
    json: boolean,
  ): Decision | Promise<Decision> => {
    const stored = readRecord(session.readRecord(), user.id);
    const existing = stored ?? newRecord(user.id);
    // Rule 5: the return-to is the GET the guard intercepted and redirects (HTML), on this site, or
    // nothing. A JSON 401 is no navigation: it keeps no return-to and leaves an earlier one alone.
    const returnTo = json ? existing.returnTo : method === "GET" ? checkedReturnTo(request.url) : undefined;
    // The same refusal again (a client retrying, an API polling): the record already says this, so
    // there is nothing to write and the session store is spared a save per refused request.
    if (stored !== undefined && keepsAlready(stored, returnTo, requirement)) {
      return refuse(request, user, method, json);
    }
    const next: SecondFactorRecord = {
      ...withoutFields(existing, "returnTo", "requirement"),
      ...(returnTo === undefined ? {} : { returnTo }),
      ...(requirement === undefined ? {} : { requirement }),
    };
    return refuseAfterSaving(next, request, session, user, method, json);
  };

  const decideApplied = (
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser | null,
  ): Decision | Promise<Decision> => {
    if (user === null) {
      const method = request.method.toUpperCase();
      const navigation = method === "GET" || method === "HEAD";
      return loginRequired(
        config,
        respond,
        wantsJson(request.accept),
        method === "GET" ? request.url : undefined,
        navigation ? 302 : 303,
      );
    }
    // The hot path: field reads and a clock read, nothing allocated.
    if (isVerifiedFor(session.readRecord(), user.id, config.now(), maxAgeMs, channels)) return NEXT;
    return challenge(request, session, user);
  };

  return {
    passes(record, user) {
      return (
        when === undefined &&
        user !== null &&
        isVerifiedFor(record, user.id, config.now(), maxAgeMs, channels)
      );
    },
    decide(native, request, session, user) {
      if (when === undefined) return decideApplied(request, session, user);
      const applies = when(native);
      if (applies === false) return NEXT;
      if (applies === true) return decideApplied(request, session, user);
      if (isThenable(applies)) {
        return Promise.resolve(applies).then((value) => {
          if (value === false) return NEXT;
          if (value === true) return decideApplied(request, session, user);
          throw whenNotBoolean(value);
        });
      }
      throw whenNotBoolean(applies);
    },
  };
}

/**
 * The JSON answer of a guard to a session without (recent enough) second factor: 401 in the style of
 * RFC 9470, with `max_age` on step-up routes and the `methods` the route accepts.
 * @example
 * return secondFactorRequired(config, respond, 300);
 */
export function secondFactorRequired(
  config: CoreConfig<unknown>,
  respond: Responder,
  maxAgeSeconds: number | undefined,
  methods?: readonly Method[],
): Decision {
  const challenge =
    'Bearer error="insufficient_user_authentication", error_description="A second factor is required"' +
    (maxAgeSeconds === undefined ? "" : `, max_age=${maxAgeSeconds}`);
  return respond.json(
    401,
    {
      error: "second_factor_required",
      message: "A second factor is required.",
      challenge: config.basePath,
      ...(maxAgeSeconds === undefined ? {} : { max_age: maxAgeSeconds }),
      // Which methods pass this route, and whether it asks for a phishing-resistant one (issue 15).
      ...(methods === undefined
        ? {}
        : { methods: [...methods], phishingResistant: methods.length === 1 && methods[0] === "passkey" }),
    },
    { "WWW-Authenticate": challenge },
  );
}

function parsePolicy<Native>(config: CoreConfig<unknown>, policy: unknown): ParsedPolicy<Native> {
  if (policy === undefined) return { maxAgeMs: undefined, channels: undefined, when: undefined };
  const looksLikeRequest =
    typeof policy === "function" ||
    (typeof policy === "object" &&
      policy !== null &&
      "method" in policy &&
      ("headers" in policy || "url" in policy));
  if (looksLikeRequest) {
    throw optionProblem(
      "policy",
      "is a request (or a function): requireSecondFactor was mounted without being called",
      'call it: use requireSecondFactor() or requireSecondFactor({ maxAge: "5m" }), not requireSecondFactor',
    );
  }
  if (!isPlainObject(policy)) {
    throw invalidOption(
      "policy",
      describeValue(policy),
      "pass an object { maxAge?, methods?, when? } or nothing",
    );
  }
  rejectUnknownKeys(policy, ["maxAge", "methods", "channels", "phishingResistant", "when"], "policy.");
  if (policy.methods !== undefined && policy.channels !== undefined) {
    throw invalidOption(
      "channels",
      "given together with methods",
      'pass only "methods" ("channels" is its former name)',
    );
  }
  const maxAgeMs = policy.maxAge === undefined ? undefined : parseDuration(policy.maxAge, "maxAge");
  if (policy.when !== undefined && typeof policy.when !== "function") {
    throw invalidOption(
      "when",
      describeValue(policy.when),
      "pass a function of the request returning true (guard) or false (skip)",
    );
  }
  const channels =
    policy.methods !== undefined
      ? parsePolicyMethods(config, policy.methods, "methods")
      : parsePolicyMethods(config, policy.channels, "channels");
  return {
    maxAgeMs,
    channels: phishingResistant(config, policy.phishingResistant, channels) ?? channels,
    when: policy.when as GuardPolicy<Native>["when"],
  };
}

function parsePolicyMethods(
  config: CoreConfig<unknown>,
  value: unknown,
  name: "methods" | "channels",
): readonly Method[] | undefined {
  if (value === undefined) return undefined;
  // Rule 13: a trusted device satisfies plain guards only, never a route that names its methods.
  const others = METHODS.filter((method) => !isChannelMethod(method) && method !== "trusted_device");
  const fix = `use a non-empty list of channels this instance offers (${config.channels.map((channel) => `"${channel}"`).join(", ")}) or of ${others.map((method) => `"${method}"`).join(", ")}; add channels to the top-level "channels" option first`;
  if (!Array.isArray(value) || value.length === 0) throw invalidOption(name, describeValue(value), fix);
  const methods: Method[] = [];
  for (const method of value) {
    const offered =
      others.includes(method) || (isChannelMethod(method) && config.channels.includes(method as Channel));
    if (!offered || methods.includes(method)) {
      throw invalidOption(name, `a list containing ${describeValue(method)}`, fix);
    }
    methods.push(method);
  }
  return Object.freeze(methods);
}

/** Rule 14: a phishing-resistant route accepts passkeys only. */
const PASSKEY_ONLY: readonly Method[] = Object.freeze(["passkey"]);

/** `["passkey"]` for `phishingResistant: true` (refused without `webauthn`, or with other `methods`). */
function phishingResistant(
  config: CoreConfig<unknown>,
  value: unknown,
  methods: readonly Method[] | undefined,
): readonly Method[] | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true) {
    throw invalidOption(
      "phishingResistant",
      describeValue(value),
      "pass true (passkeys only) or leave it out",
    );
  }
  if (config.webauthn === undefined) {
    throw optionProblem(
      "phishingResistant",
      "needs passkeys, and the webauthn option is not set",
      "set webauthn: { rpId, rpName, origins } in secondFactor(...) so that users can add passkeys",
    );
  }
  if (methods !== undefined && (methods.length !== 1 || methods[0] !== "passkey")) {
    throw optionProblem(
      "phishingResistant",
      `accepts passkeys only, but methods names ${methods.map((method) => `"${method}"`).join(", ")}`,
      'leave methods out (or pass ["passkey"]) with phishingResistant: true',
    );
  }
  return PASSKEY_ONLY;
}

function isChannelMethod(method: Method): boolean {
  return method === "sms" || method === "call" || method === "whatsapp" || method === "email";
}

function whenNotBoolean(value: unknown): SecondFactorError {
  return new SecondFactorError(
    "ERR_SF_MISCONFIGURED",
    `second-factor: the policy's when(request) returned ${describeValue(value)}; it must return true (guard the request) or false (skip the guard).`,
  );
}

/** Whether `record` already holds exactly this return-to and requirement (absent ones included). */
function keepsAlready(
  record: SecondFactorRecord,
  returnTo: string | undefined,
  requirement: Requirement | undefined,
): boolean {
  if (record.returnTo !== returnTo) return false;
  const kept = record.requirement;
  if (kept === undefined || requirement === undefined) return kept === requirement;
  return kept.maxAgeMs === requirement.maxAgeMs && sameChannels(kept.channels, requirement.channels);
}

function sameChannels(a: readonly Method[] | undefined, b: readonly Method[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((channel, index) => channel === b[index]);
}

/** Freezes a decision and what it holds, so that a shared one cannot be changed by a caller. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}
