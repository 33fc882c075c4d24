/**
 * Passing the second factor (DESIGN §4 rules 2, 4 and 13): the one place that marks a session
 * verified, for every factor's route.
 */
import type { Decision, DecisionCookies, SessionPort } from "../boundary.js";
import type { CoreConfig } from "../options/index.js";
import { regenerateSession, saveSession } from "../outage.js";
import type { Channel } from "../providers/index.js";
import { type Method, type Notice, newRecord, type SecondFactorRecord } from "../record/index.js";
import type { FlowContext } from "./context.js";
import { isOnFileId } from "./destinations.js";
import { trustThisDevice } from "./trust.js";

/**
 * What passed the second factor: the methods the proof came through (rule 2: every channel a code
 * went out on), the channel and masked destination of a code, and the enrolled factor it used.
 * @example
 * const proof: Proof = { methods: ["totp"], factorId: factor.id };
 */
export interface Proof {
  /** Every method the proof came through; not empty. */
  readonly methods: readonly Method[];
  /** The channel of the last send, for a code sent by the provider. */
  readonly channel?: Channel;
  /** Where that code went, masked (rule 10). */
  readonly maskedDestination?: string;
  /** The enrolled factor that passed, whose "last used" is touched (on-file phones have none). */
  readonly factorId?: string;
}

/**
 * Where a verified session goes, and the cookies to set on the way (a trusted device).
 * @example
 * const { returnTo, cookies } = await passSecondFactor(context, proof, fields);
 */
export interface Passed {
  /** The kept return-to (consumed), or `undefined` when there was none. */
  readonly returnTo: string | undefined;
  readonly cookies: DecisionCookies;
}

/**
 * Marks this session verified by `proof`: a new record (new CSRF token and budget key) with
 * `verifiedAt` on the app clock, a new session id (rule 4: regenerated before writing, so a failed
 * regenerate leaves the old session unverified), the `verified` event, the factor's "last used", and a
 * trusted device when the form asked for one. The caller has already claimed the proof (rule 3) and
 * answers with {@link passedAnswer} or its own.
 * @example
 * const passed = await passSecondFactor(context, { methods: ["totp"], factorId }, fields);
 * return passedAnswer(context, passed);
 */
export async function passSecondFactor(
  context: FlowContext,
  proof: Proof,
  fields: Readonly<Record<string, unknown>>,
  notice?: Notice,
): Promise<Passed> {
  const { config, session, user, record } = context;
  const returnTo = record.returnTo;
  const verified = await markSessionVerified(config, session, user.id, proof, notice);
  await touchQuietly(context, proof.factorId);
  const cookies = await trustThisDevice({ ...context, record: verified, recordChanged: false }, fields);
  return { returnTo, cookies };
}

/**
 * The part of {@link passSecondFactor} the guard shares (a trusted device has no flow context): a new
 * record verified by `proof` on the app clock, a new session id before it is written (rule 4), the
 * session saved, then the `verified` event. Returns the record written.
 * @example
 * await markSessionVerified(config, session, user.id, { methods: ["trusted_device"] });
 */
export async function markSessionVerified(
  config: CoreConfig<unknown>,
  session: SessionPort,
  userId: string,
  proof: Proof,
  notice?: Notice,
): Promise<SecondFactorRecord> {
  const verified: SecondFactorRecord = {
    ...newRecord(userId),
    verifiedAt: config.now(),
    ...(proof.channel === undefined ? {} : { verifiedChannel: proof.channel }),
    verifiedMethods: proof.methods,
    ...(notice === undefined ? {} : { notice }),
  };
  await regenerateSession(session);
  session.writeRecord(verified);
  await saveSession(session);
  config.emit({
    type: "verified",
    userId,
    method: proof.channel ?? (proof.methods[0] as Method),
    methods: proof.methods,
    ...(proof.channel === undefined ? {} : { channel: proof.channel }),
    ...(proof.maskedDestination === undefined ? {} : { maskedDestination: proof.maskedDestination }),
  });
  return verified;
}

/**
 * The usual answer after {@link passSecondFactor}: 303 to the return-to (or `defaultReturnTo`), or
 * `{ verified: true, returnTo }` in JSON, with the trusted-device cookies.
 * @example
 * return passedAnswer(context, await passSecondFactor(context, proof, fields));
 */
export function passedAnswer(context: FlowContext, passed: Passed): Decision {
  const { config, respond, json } = context;
  const returnTo = passed.returnTo ?? config.defaultReturnTo;
  const decision = json ? respond.json(200, { verified: true, returnTo }) : respond.redirect(returnTo);
  return withCookies(decision, passed.cookies);
}

/**
 * `decision` with `cookies` added after any it already sets.
 * @example
 * return withCookies(respond.redirect("/"), cookies);
 */
export function withCookies(decision: Decision, cookies: DecisionCookies): Decision {
  if (cookies.length === 0 || decision.kind === "next") return decision;
  return { ...decision, cookies: [...(decision.cookies ?? []), ...cookies] };
}

/** The factor's "last used", for the settings page: informative, so a store failure is only logged. */
async function touchQuietly(context: FlowContext, factorId: string | undefined): Promise<void> {
  if (factorId === undefined || isOnFileId(factorId)) return;
  const { config, user } = context;
  try {
    await config.factors.touchFactor(user.id, factorId, config.now());
  } catch {
    config.logger.warn("second-factor: the factor store failed to record a factor's last use", {
      code: "ERR_SF_STORE_UNAVAILABLE",
    });
  }
}
