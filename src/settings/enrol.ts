/**
 * Enrolment of a phone or e-mail address with proof of possession (DESIGN §4 rule 11): a code goes to
 * the new destination through the flow's one send path (budgets, lockout), and the destination is
 * added only when the provider approves that code, checked through the flow's one check path.
 */
import type { Decision } from "../boundary.js";
import { normalizeCode } from "../code.js";
import { commit, type FlowContext } from "../flow/context.js";
import { passSecondFactor, withCookies } from "../flow/passed.js";
import { providerRateLimited } from "../flow/refusals.js";
import { startWithinBudgets } from "../flow/send.js";
import { acceptApproval, cancelQuietly, checkCode, countWrongAnswer } from "../flow/verify.js";
import { maskDestination } from "../mask.js";
import {
  attemptsLeft,
  ENROLMENT_VERSION,
  type PendingEnrolment,
  type SecondFactorRecord,
  withoutFields,
} from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevicesAfterChange } from "./devices.js";
import { enrolmentAnswer, refuseOnSettings } from "./page.js";
import { parseNewDestination } from "./parse-destination.js";

/**
 * `POST {basePath}/setup/phone` with `phone` and `channel` (or `email`): checks the number locally
 * (400 tied to the field, nothing sent), then sends a code to it under the send budgets and the
 * account lock; 303 to the code page (JSON: 202).
 * @example
 * return startEnrolment(context, body.fields);
 */
export async function startEnrolment(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, respond, record, json, user } = context;
  const entered = {
    ...(typeof fields.phone === "string" ? { phone: fields.phone.slice(0, 64) } : {}),
    ...(typeof fields.email === "string" ? { email: fields.email.slice(0, 254) } : {}),
  };
  const parsed = parseNewDestination(config, fields);
  if (!parsed.ok) return refuseOnSettings(context, parsed.field, parsed.error, parsed.key, 400, {}, entered);
  const { kind, destination, channel } = parsed;
  const field = kind === "email" ? "email" : "phone";
  if (context.destinations.some((known) => known.kind === kind && known.destination === destination)) {
    return refuseOnSettings(context, field, "already_enrolled", "error_already_enrolled", 409, {}, entered);
  }
  const masked = maskDestination(destination);
  const codePage = `${config.basePath}/setup/phone`;
  const started = await startWithinBudgets(
    context,
    { channel, destination, masked, factorId: "new" },
    {
      duplicate: () => (json ? respond.json(202, { state: "pending" }) : respond.redirect(codePage)),
      refuseField: (errorField, error, key, params, status) =>
        refuseOnSettings(context, errorField ?? field, error, key, status, params, entered),
    },
  );
  if (started.kind === "answered") return started.decision;
  const earlier = record.enrolment;
  const same = earlier !== undefined && earlier.sid === started.sid;
  const enrolment: PendingEnrolment = {
    v: ENROLMENT_VERSION,
    kind,
    destination,
    channel,
    channels:
      same && !earlier.channels.includes(channel)
        ? [...earlier.channels, channel]
        : same
          ? earlier.channels
          : [channel],
    sid: started.sid,
    maskedDestination: masked,
    sentAt: config.now(),
    checksUsed: same ? earlier.checksUsed : 0,
  };
  const next: SecondFactorRecord = {
    ...withoutFields(record, "notice"),
    enrolment,
    sends: (record.sends ?? 0) + 1,
  };
  await commit(context, next);
  config.emit({ type: "code.sent", userId: user.id, channel, maskedDestination: masked, resend: same });
  if (!json) return respond.redirect(codePage);
  return enrolmentAnswer({ ...context, record: next }, next, 202);
}

/**
 * `POST {basePath}/setup/phone/verify` with `code`: reserve before check (rule 7), then the provider
 * by Verify SID. Approved: the factor is added (`factor.added`, trusted devices revoked); the first
 * factor of an account verifies the session by that method (new session id, rule 4). Wrong: counted
 * against the account, 303 back to the code page (JSON: 422).
 * @example
 * return verifyEnrolment(context, body.fields);
 */
export async function verifyEnrolment(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, limits, user, record } = context;
  const enrolment = record.enrolment;
  if (enrolment === undefined)
    return refuseOnSettings(context, null, "no_pending_enrolment", "error_no_enrolment");
  const normalized = normalizeCode(fields.code, config.codeLength);
  if (!normalized.ok) {
    const key = normalized.reason === "missing" ? "error_code_missing" : "error_code_format";
    const error = normalized.reason === "missing" ? "code_missing" : "invalid_code";
    return refuseOnCodePage(context, error, key);
  }
  if (attemptsLeft(enrolment) === 0)
    return enrolmentDied(context, "too_many_attempts", "notice_too_many_attempts");
  const checked = await checkCode(context, enrolment.sid, normalized.code, enrolment.destination);
  if (checked.kind === "answered") return checked.decision;
  const { result, hold } = checked;
  if (result.status === "pending") return wrongEnrolmentCode(context, enrolment, hold);
  // Rule 11 and rule 2: only the approval of the code this session sent to this destination adds it.
  if (result.status === "approved" && result.sid === enrolment.sid)
    return addEnrolled(context, enrolment, hold, fields);
  await limits.releaseCheck(user.id, hold);
  switch (result.status) {
    case "approved":
    case "not_found":
      return enrolmentDied(context, "code_expired", "notice_expired");
    case "max_attempts":
      return enrolmentDied(context, "too_many_attempts", "notice_too_many_attempts");
    case "rate_limited":
      return providerRateLimited(context, "check", result.retryAfterSeconds);
    case "invalid_code":
      return refuseOnCodePage(context, "invalid_code", "error_code_format");
  }
}

/**
 * `POST {basePath}/setup/phone/cancel`: drops the pending enrolment (and cancels it at the provider,
 * quietly), then 303 to the settings page (JSON: 200).
 * @example
 * return cancelEnrolment(context);
 */
export async function cancelEnrolment(context: FlowContext): Promise<Decision> {
  const { config, respond, record, json } = context;
  const enrolment = record.enrolment;
  if (enrolment !== undefined) {
    await cancelQuietly(context, enrolment.sid);
    await commit(context, { ...withoutFields(record, "enrolment"), notice: "enrolment_canceled" });
  } else if (context.recordChanged) {
    await commit(context, record);
  }
  return json ? respond.json(200, { canceled: true }) : respond.redirect(`${config.basePath}/setup`);
}

async function addEnrolled(
  context: FlowContext,
  enrolment: PendingEnrolment,
  hold: string,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, respond, user, record, json } = context;
  // Rule 3 (one approval, once) and rule 7 (no pass once locked), as for the challenge.
  const setup = `${config.basePath}/setup`;
  const refused = await acceptApproval(context, enrolment.sid, hold, "error_no_enrolment", setup);
  if (refused !== undefined) return refused;
  const now = config.now();
  const added = await failClosed(() =>
    config.factors.addFactor(user.id, {
      kind: enrolment.kind,
      name: enrolment.kind === "phone" ? "Phone" : "E-mail",
      destination: enrolment.destination,
      createdAt: now,
      verifiedAt: now,
    }),
  );
  if (added.status !== "added") {
    await commit(context, withoutFields(record, "enrolment"));
    return refuseOnSettings(
      { ...context, record: withoutFields(record, "enrolment"), recordChanged: false },
      enrolment.kind,
      "already_enrolled",
      "error_already_enrolled",
      409,
    );
  }
  config.emit({
    type: "factor.added",
    userId: user.id,
    kind: enrolment.kind,
    maskedDestination: enrolment.maskedDestination,
  });
  // Rule 11: every change of factors revokes the account's trusted devices.
  await revokeDevicesAfterChange(context);
  const factor = {
    id: added.factor.id,
    kind: enrolment.kind,
    maskedDestination: enrolment.maskedDestination,
  };
  if (context.hasFactor) {
    await commit(context, { ...withoutFields(record, "enrolment"), notice: "factor_added" });
    return json
      ? respond.json(200, { added: true, factor, verified: false })
      : respond.redirect(`${config.basePath}/setup`);
  }
  // The first factor of an account verifies this session by that method: the code it just proved.
  const passed = await passSecondFactor(
    context,
    {
      methods: enrolment.channels,
      channel: enrolment.channel,
      maskedDestination: enrolment.maskedDestination,
    },
    fields,
    record.returnTo === undefined ? "factor_added" : undefined,
  );
  const next = passed.returnTo ?? `${config.basePath}/setup`;
  const answer = json
    ? respond.json(200, { added: true, factor, verified: true, returnTo: next })
    : respond.redirect(next);
  return withCookies(answer, passed.cookies);
}

async function wrongEnrolmentCode(
  context: FlowContext,
  enrolment: PendingEnrolment,
  hold: string,
): Promise<Decision> {
  const { config, record } = context;
  let spent = false;
  const answer = await countWrongAnswer(context, enrolment, hold, (checksUsed, left) => {
    spent = left === 0;
    return spent
      ? { ...withoutFields(record, "enrolment"), notice: "too_many_attempts" }
      : { ...record, enrolment: { ...enrolment, checksUsed }, notice: "wrong_code" };
  });
  return answer ?? context.respond.redirect(`${config.basePath}/setup${spent ? "" : "/phone"}`);
}

async function enrolmentDied(
  context: FlowContext,
  error: "too_many_attempts" | "code_expired",
  key: "notice_too_many_attempts" | "notice_expired",
): Promise<Decision> {
  const cleared = withoutFields(context.record, "enrolment", "notice");
  await commit(context, cleared);
  return refuseOnSettings({ ...context, record: cleared, recordChanged: false }, null, error, key, 422);
}

async function refuseOnCodePage(
  context: FlowContext,
  error: string,
  key: "error_code_missing" | "error_code_format",
): Promise<Decision> {
  if (context.recordChanged) await commit(context, context.record);
  const message = context.respond.format(key, { ...context.config.codeLength });
  return enrolmentAnswer(context, context.record, 400, { field: "code", error, message });
}
