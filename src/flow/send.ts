import type { Decision } from "../boundary.js";
import type { BudgetKeys, LockStatus } from "../limits/index.js";
import { callProvider } from "../outage.js";
import type { MessageKey } from "../pages/messages.js";
import type { PageError } from "../pages/view.js";
import type { Channel, StartVerificationResult } from "../providers/index.js";
import {
  attemptsLeft,
  type PendingChallenge,
  pendingChannels,
  type SecondFactorRecord,
} from "../record/index.js";
import { commit, type FlowContext } from "./context.js";
import { availableChannels, destinationFor, isDeliverable } from "./destinations.js";
import { providerRateLimited, refuseField, refuseLimited } from "./refusals.js";
import { challengeData, challengeJson } from "./state.js";

/**
 * How long a send marker outlives the provider's timeout: a double click sends one code.
 * @default 2000
 * @example
 * await limits.claimOnce(marker, config.providerTimeoutMs + DOUBLE_SUBMIT_WINDOW_MS);
 */
export const DOUBLE_SUBMIT_WINDOW_MS = 2_000;

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * `POST /2fa/send` with field `channel`: starts a verification, or re-sends the pending one (same
 * code, as Twilio keeps it), or switches channel; then 303 to the page (JSON: 202 with the state).
 * Refused before anything is sent: a channel not offered (400), the account locked or a budget spent
 * (429), a resend sooner than `resendAfter` (429), a second submit of the same click (answered as if
 * sent, nothing sent).
 * @example
 * return sendCode(context, body.fields);
 */
export async function sendCode(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, respond, record, json } = context;
  const target = chooseTarget(context, fields.channel, fields.factor);
  if (!("channel" in target)) return target.refusal;
  // A spent verification is not resent: the next send starts a new one.
  const pending =
    record.pending !== undefined && attemptsLeft(record.pending) > 0 ? record.pending : undefined;
  const started = await startWithinBudgets(context, target, {
    beforeSend: () => resendTooSoon(context, pending, target.channel),
    duplicate: (lock) =>
      json
        ? respond.json(202, challengeJson(challengeData(context, record, lock)))
        : respond.redirect(config.basePath),
    refuseField: (field, error, key, params, status) =>
      refuseField(context, field, error, key, params, status),
  });
  if (started.kind === "answered") return started.decision;
  return recordSent(context, target, pending, started.sid, started.lock);
}

/**
 * Where a send goes: the channel, the destination (from the server, never the request) and its mask.
 * @example
 * const target: SendTarget = { channel: "sms", destination: "+15017122661", masked: "•••• •••• 2661", factorId: "on_file_phone" };
 */
export interface SendTarget {
  readonly channel: Channel;
  readonly destination: string;
  readonly masked: string;
  readonly factorId: string;
}

/**
 * How a caller of {@link startWithinBudgets} answers what only it knows: a refusal it makes first
 * (`beforeSend`), a double submit (`duplicate`) and an error tied to a field of its page.
 * @example
 * const answers: SendAnswers = { duplicate: () => respond.redirect(basePath), refuseField: (field, error, key) => showPage(field, error, key) };
 */
export interface SendAnswers {
  /** A refusal checked after the lock and before the budgets (a resend too soon), or `undefined`. */
  readonly beforeSend?: () => Decision | undefined;
  /** The answer to a second submit of the same click (nothing is sent). */
  readonly duplicate: (lock: LockStatus) => Decision;
  readonly refuseField: (
    field: PageError["field"],
    error: string,
    key: MessageKey,
    params: Readonly<Record<string, string | number>>,
    status: number,
  ) => Promise<Decision>;
}

/**
 * The one send path of the flow and the settings (rule 7): refused while the account is locked, a
 * double submit of the same record state sends once, the budgets (session, user, destination, IP) are
 * spent before the provider is called, and its refusals answer 422 or 429. `started` carries the
 * Verify SID of a pending verification.
 * @example
 * const started = await startWithinBudgets(context, target, answers);
 * if (started.kind === "answered") return started.decision;
 */
export async function startWithinBudgets(
  context: FlowContext,
  target: SendTarget,
  answers: SendAnswers,
): Promise<{ kind: "started"; sid: string; lock: LockStatus } | { kind: "answered"; decision: Decision }> {
  const { config, limits, user, record } = context;
  const lock = await limits.lockStatus(user.id);
  if (lock.locked) {
    const decision = refuseLimited(context, "send", {
      ok: false,
      scope: "lock",
      retryAfterSeconds: lock.retryAfterSeconds,
    });
    return { kind: "answered", decision };
  }
  const early = answers.beforeSend?.();
  if (early !== undefined) return { kind: "answered", decision: early };

  // Submits made from the same record state (a double click) share one marker: one code is sent.
  const sends = record.sends ?? 0;
  const marker = `send:${record.key}:${sends}`;
  if (!(await limits.claimOnce(marker, config.providerTimeoutMs + DOUBLE_SUBMIT_WINDOW_MS))) {
    // A second submit of the same click: answer as the first will, send nothing.
    return { kind: "answered", decision: answers.duplicate(lock) };
  }
  let result: StartVerificationResult;
  try {
    const keys: BudgetKeys = {
      sessionKey: record.key,
      userId: user.id,
      destination: target.destination,
      ip: context.request.ip,
    };
    const budget = await limits.consumeSend(keys);
    if (!budget.ok) {
      // Nothing was sent for this click: a retry must meet the same refusal, not the double-submit answer.
      await limits.release(marker);
      return { kind: "answered", decision: refuseLimited(context, "send", budget) };
    }
    result = await startVerification(context, target);
  } catch (error) {
    await limits.release(marker).catch(() => undefined);
    throw error;
  }
  if (result.status !== "pending") await limits.release(marker);
  if (result.status === "pending") return { kind: "started", sid: result.sid, lock };
  if (result.status === "rate_limited") {
    return { kind: "answered", decision: providerRateLimited(context, "send", result.retryAfterSeconds) };
  }
  return { kind: "answered", decision: await destinationRefused(context, target, result.status, answers) };
}

/** The channel (and phone) the user chose, checked against what they are offered. */
function chooseTarget(
  context: FlowContext,
  chosen: unknown,
  factor: unknown,
): SendTarget | { refusal: Promise<Decision> } {
  const { config, record, destinations } = context;
  const options = availableChannels(config.channels, destinations, record.requirement);
  if (options.length === 0) return { refusal: refuseField(context, null, "no_channel", "no_channel_body") };
  if (typeof chosen !== "string" || !options.some((option) => option.channel === chosen)) {
    return { refusal: refuseField(context, "channel", "invalid_channel", "error_channel_invalid") };
  }
  const channel = chosen as Channel;
  // Rule 2: the destination comes from the server (the store or the user on file), never from the
  // request: `factor` only picks one of the account's own.
  if (factor !== undefined && factor !== "" && typeof factor !== "string") {
    return { refusal: refuseField(context, "factor", "invalid_factor", "error_factor_invalid") };
  }
  const picked = destinationFor(destinations, channel, factor === "" ? undefined : factor);
  if (picked === undefined) {
    return { refusal: refuseField(context, "factor", "invalid_factor", "error_factor_invalid") };
  }
  if (!isDeliverable(picked.destination, channel)) {
    return {
      refusal: refuseField(context, null, "invalid_destination", "error_invalid_destination", {
        destination: picked.masked,
      }),
    };
  }
  return { channel, destination: picked.destination, masked: picked.masked, factorId: picked.factorId };
}

/** A resend over the same channel sooner than `resendAfter`: 429 with the seconds left. */
function resendTooSoon(
  context: FlowContext,
  pending: PendingChallenge | undefined,
  channel: Channel,
): Decision | undefined {
  const { config, user } = context;
  if (pending === undefined || pending.channel !== channel || config.resendAfterMs <= 0) return undefined;
  const waitMs = pending.sentAt + config.resendAfterMs - config.now();
  if (waitMs <= 0) return undefined;
  const seconds = Math.ceil(waitMs / 1000);
  config.emit({
    type: "limited",
    userId: user.id,
    action: "send",
    scope: "resend",
    retryAfterSeconds: seconds,
  });
  return context.respond.problem(context.json, {
    status: 429,
    error: "resend_too_soon",
    heading: "problem_resend_wait_heading",
    body: "problem_resend_wait_body",
    retryAfterSeconds: seconds,
  });
}

function startVerification(context: FlowContext, target: SendTarget): Promise<StartVerificationResult> {
  const { config, user } = context;
  return callProvider(config, "send", user.id, () =>
    config.provider.start({
      to: target.destination,
      channel: target.channel,
      ...(typeof user.locale === "string" && LOCALE.test(user.locale) ? { locale: user.locale } : {}),
      ...(context.request.ip === undefined ? {} : { ip: context.request.ip }),
    }),
  );
}

/** The code went out: the record keeps the challenge, with every channel its code went out on. */
async function recordSent(
  context: FlowContext,
  target: SendTarget,
  pending: PendingChallenge | undefined,
  sid: string,
  lock: LockStatus,
): Promise<Decision> {
  const { config, limits, respond, user, record, json } = context;
  const { channel, masked } = target;
  // Twilio keeps the SID and the code on a resend or a channel switch: so do the attempts left, and
  // rule 2 needs every channel that code went out on.
  const sameVerification = pending !== undefined && pending.sid === sid;
  const earlier = sameVerification ? pendingChannels(pending) : [];
  const next: SecondFactorRecord = {
    ...record,
    pending: {
      sid,
      channel,
      channels: earlier.includes(channel) ? earlier : [...earlier, channel],
      maskedDestination: masked,
      factorId: target.factorId,
      destinationKey: limits.destinationKey(target.destination),
      sentAt: config.now(),
      checksUsed: sameVerification ? pending.checksUsed : 0,
    },
    notice: sameVerification && pending.channel === channel ? "resent" : "sent",
    sends: (record.sends ?? 0) + 1,
  };
  await commit(context, next);
  config.emit({
    type: "code.sent",
    userId: user.id,
    channel,
    maskedDestination: masked,
    resend: sameVerification,
  });
  if (!json) return respond.redirect(config.basePath);
  return respond.json(202, challengeJson(challengeData(context, next, lock)));
}

const REFUSED_DESTINATION = {
  blocked: { field: null, key: "error_blocked" },
  invalid_destination: { field: null, key: "error_invalid_destination" },
  channel_unavailable: { field: "channel", key: "error_channel_unavailable" },
} as const;

/** The provider will not deliver to this destination or over this channel: 422, tied to the field. */
function destinationRefused(
  context: FlowContext,
  target: SendTarget,
  reason: keyof typeof REFUSED_DESTINATION,
  answers: SendAnswers,
): Promise<Decision> {
  const { channel, masked } = target;
  context.config.emit({
    type: "destination.refused",
    userId: context.user.id,
    channel,
    maskedDestination: masked,
    reason,
  });
  const { field, key } = REFUSED_DESTINATION[reason];
  const error = reason === "blocked" ? "destination_blocked" : reason;
  const params: Record<string, string> = reason === "channel_unavailable" ? {} : { destination: masked };
  return answers.refuseField(field, error, key, params, 422);
}
