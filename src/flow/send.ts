import type { Decision } from "../boundary.js";
import type { BudgetKeys } from "../limits/index.js";
import { maskDestination } from "../mask.js";
import { callProvider } from "../outage.js";
import type { MessageKey } from "../pages/messages.js";
import type { PageError } from "../pages/view.js";
import type { Channel, StartVerificationResult } from "../providers/index.js";
import { attemptsLeft, type SecondFactorRecord } from "../record/index.js";
import { budgetProblem, lockedProblem, rateLimitedProblem } from "../respond/problems.js";
import { commit, type FlowContext } from "./context.js";
import { availableChannels, destinationFor, isDeliverable } from "./destinations.js";
import { challengeData, challengeJson, showChallenge } from "./state.js";

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
  const { config, limits, respond, user, record, json } = context;
  const options = availableChannels(config.channels, user, record.requirement);
  const chosen = fields.channel;
  if (options.length === 0) {
    return refuseField(context, null, "no_channel", "no_channel_body");
  }
  if (typeof chosen !== "string" || !options.some((option) => option.channel === chosen)) {
    return refuseField(context, "channel", "invalid_channel", "error_channel_invalid");
  }
  const channel = chosen as Channel;
  // Rule 2: the destination comes from the server's user, never from the request.
  const destination = destinationFor(user, channel) as string;
  const masked = maskDestination(destination);
  if (!isDeliverable(destination, channel)) {
    return refuseField(context, null, "invalid_destination", "error_invalid_destination", {
      destination: masked,
    });
  }

  const lock = await limits.lockStatus(user.id);
  if (lock.locked) {
    config.emit({
      type: "limited",
      userId: user.id,
      action: "send",
      scope: "lock",
      retryAfterSeconds: lock.retryAfterSeconds,
    });
    return respond.problem(json, lockedProblem(lock.retryAfterSeconds));
  }
  // A spent verification is not resent: the next send starts a new one.
  const pending =
    record.pending !== undefined && attemptsLeft(record.pending) > 0 ? record.pending : undefined;
  const resend = pending !== undefined && pending.channel === channel;
  if (resend && config.resendAfterMs > 0) {
    const waitMs = pending.sentAt + config.resendAfterMs - config.now();
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      config.emit({
        type: "limited",
        userId: user.id,
        action: "send",
        scope: "resend",
        retryAfterSeconds: seconds,
      });
      return respond.problem(json, {
        status: 429,
        error: "resend_too_soon",
        heading: "problem_resend_wait_heading",
        body: "problem_resend_wait_body",
        retryAfterSeconds: seconds,
      });
    }
  }

  // Submits made from the same record state (a double click) share one marker: one code is sent.
  const sends = record.sends ?? 0;
  const marker = `send:${record.key}:${sends}`;
  if (!(await limits.claimOnce(marker, config.providerTimeoutMs + DOUBLE_SUBMIT_WINDOW_MS))) {
    // A second submit of the same click: answer as the first will, send nothing.
    return json
      ? respond.json(202, challengeJson(challengeData(context, record, lock)))
      : respond.redirect(config.basePath);
  }
  const keys: BudgetKeys = { sessionKey: record.key, userId: user.id, destination, ip: context.request.ip };
  const budget = await limits.consumeSend(keys).catch(async (error: unknown) => {
    await limits.release(marker).catch(() => undefined);
    throw error;
  });
  if (!budget.ok) {
    // Nothing was sent for this click: a retry must meet the same refusal, not the double-submit answer.
    await limits.release(marker);
    config.emit({
      type: "limited",
      userId: user.id,
      action: "send",
      scope: budget.scope,
      retryAfterSeconds: budget.retryAfterSeconds,
    });
    return respond.problem(json, budgetProblem(budget));
  }

  let result: StartVerificationResult;
  try {
    result = await callProvider(config, "send", user.id, () =>
      config.provider.start({
        to: destination,
        channel,
        ...(typeof user.locale === "string" && LOCALE.test(user.locale) ? { locale: user.locale } : {}),
        ...(context.request.ip === undefined ? {} : { ip: context.request.ip }),
      }),
    );
  } catch (error) {
    await limits.release(marker).catch(() => undefined);
    throw error;
  }
  if (result.status !== "pending") await limits.release(marker);

  switch (result.status) {
    case "pending": {
      // Attempts left are per verification: a resend or a switch that keeps the SID keeps its checks.
      const sameVerification = pending !== undefined && pending.sid === result.sid;
      const next: SecondFactorRecord = {
        ...record,
        pending: {
          sid: result.sid,
          channel,
          maskedDestination: masked,
          destinationKey: limits.destinationKey(destination),
          sentAt: config.now(),
          checksUsed: sameVerification ? pending.checksUsed : 0,
        },
        notice: sameVerification && pending.channel === channel ? "resent" : "sent",
        sends: sends + 1,
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
    case "rate_limited":
      return providerRateLimited(context, "send", result.retryAfterSeconds);
    case "blocked":
      config.emit({
        type: "destination.refused",
        userId: user.id,
        channel,
        maskedDestination: masked,
        reason: "blocked",
      });
      return refuseField(context, null, "destination_blocked", "error_blocked", { destination: masked }, 422);
    case "invalid_destination":
      config.emit({
        type: "destination.refused",
        userId: user.id,
        channel,
        maskedDestination: masked,
        reason: "invalid_destination",
      });
      return refuseField(
        context,
        null,
        "invalid_destination",
        "error_invalid_destination",
        { destination: masked },
        422,
      );
    case "channel_unavailable":
      config.emit({
        type: "destination.refused",
        userId: user.id,
        channel,
        maskedDestination: masked,
        reason: "channel_unavailable",
      });
      return refuseField(context, "channel", "channel_unavailable", "error_channel_unavailable", {}, 422);
  }
}

/**
 * The challenge page again with an error tied to its field (or to the page), and `status`.
 * @example
 * return refuseField(context, "channel", "invalid_channel", "error_channel_invalid");
 */
export async function refuseField(
  context: FlowContext,
  field: PageError["field"],
  error: string,
  key: MessageKey,
  params: Readonly<Record<string, string | number>> = {},
  status = 400,
): Promise<Decision> {
  const lock = await context.limits.lockStatus(context.user.id);
  if (context.recordChanged) await commit(context, context.record);
  const message = context.respond.format(key, params);
  return showChallenge(context, context.record, lock, status, { field, error, message });
}

/** How long to wait after the provider's own limit refused, when it did not say: a minute. */
const PROVIDER_RETRY_AFTER_SECONDS = 60;

/**
 * The provider refused with its own rate limit (Twilio 60203, 20429): a `limited` event with scope
 * `provider`, then 429 with `Retry-After` (the provider's, else a minute).
 * @example
 * case "rate_limited": return providerRateLimited(context, "check", result.retryAfterSeconds);
 */
export function providerRateLimited(
  context: FlowContext,
  action: "send" | "check",
  retryAfterSeconds: number | undefined,
): Decision {
  const seconds = retryAfterSeconds ?? PROVIDER_RETRY_AFTER_SECONDS;
  context.config.emit({
    type: "limited",
    userId: context.user.id,
    action,
    scope: "provider",
    retryAfterSeconds: seconds,
  });
  return context.respond.problem(context.json, rateLimitedProblem(seconds));
}
