import type { Decision } from "../boundary.js";
import { normalizeCode } from "../code.js";
import { callProvider } from "../outage.js";
import type { MessageKey } from "../pages/messages.js";
import type { CheckVerificationResult } from "../providers/index.js";
import {
  attemptsLeft,
  type PendingChallenge,
  pendingChannels,
  type SecondFactorRecord,
  withoutFields,
} from "../record/index.js";
import { lockedProblem } from "../respond/problems.js";
import { type Checked, checkWithinBudgets, claimProof } from "./check-path.js";
import { commit, type FlowContext } from "./context.js";
import { pendingDestination } from "./destinations.js";
import { type Proof, passedAnswer, passSecondFactor } from "./passed.js";
import { providerRateLimited, refuseField } from "./refusals.js";

/**
 * How long an approval's single-use marker lives: far longer than any verification can.
 * @default 172800000
 * @example
 * await limits.claimOnce(`approval:${sid}`, APPROVAL_MARKER_TTL_MS);
 */
export const APPROVAL_MARKER_TTL_MS = 48 * 3_600_000;

/**
 * `POST /2fa/verify` with field `code`. The code is normalised and refused (400) before the provider
 * is called; the account lock and check budgets refuse (429) before it too. Reserve before you check
 * (rule 7): the check holds one of the account's remaining failures while the provider decides, so
 * concurrent checks never reach it beyond the threshold. Approved: the approval is
 * claimed once (rule 3), the session id regenerated (rule 4), then 303 to the return-to (JSON: 200
 * `{ verified: true, returnTo }`). Wrong: counted against the account (rule 7), 303 back to the page
 * that shows the attempts left (JSON: 422). A dead verification: pending cleared, 422 asking for a
 * new code.
 * @example
 * return verifyCode(context, body.fields);
 */
export async function verifyCode(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, user, record } = context;
  const normalized = normalizeCode(fields.code, config.codeLength);
  if (!normalized.ok) {
    const key = normalized.reason === "missing" ? "error_code_missing" : "error_code_format";
    const error = normalized.reason === "missing" ? "code_missing" : "invalid_code";
    return refuseField(context, "code", error, key, { ...config.codeLength });
  }
  const pending = record.pending;
  if (pending === undefined) return refuseField(context, null, "no_pending_code", "error_no_pending");
  if (attemptsLeft(pending) === 0) return verificationDied(context, pending, "max_attempts");

  const destination = pendingDestination(limits, context.destinations, pending)?.destination ?? "";
  const checked = await checkCode(context, pending.sid, normalized.code, destination);
  if (checked.kind === "answered") return checked.decision;
  const { result, hold } = checked;
  if (result.status === "pending") return wrongCode(context, pending, hold);
  // Rule 2: only an approval of the challenge this session started counts.
  if (result.status === "approved" && result.sid === pending.sid)
    return approve(context, pending, hold, fields);
  await limits.releaseCheck(user.id, hold);
  switch (result.status) {
    case "approved":
    case "not_found":
      return verificationDied(context, pending, "not_found");
    case "max_attempts":
      return verificationDied(context, pending, "max_attempts");
    case "rate_limited":
      return providerRateLimited(context, "check", result.retryAfterSeconds);
    case "invalid_code":
      return refuseField(context, "code", "invalid_code", "error_code_format", { ...config.codeLength });
  }
}

/**
 * A code sent by the provider, through the one check path ({@link checkWithinBudgets}: the hold, the
 * check budgets of `destination`), checked at the provider by Verify SID (rule 10), for the challenge
 * and the enrolment alike.
 * @example
 * const checked = await checkCode(context, pending.sid, code, destination);
 * if (checked.kind === "answered") return checked.decision;
 */
export function checkCode(
  context: FlowContext,
  sid: string,
  code: string,
  destination: string,
): Promise<Checked<CheckVerificationResult>> {
  const { config, user } = context;
  return checkWithinBudgets(context, destination, () =>
    callProvider(config, "check", user.id, () => config.provider.check({ sid, code })),
  );
}

async function approve(
  context: FlowContext,
  pending: PendingChallenge,
  hold: string,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const refused = await acceptApproval(
    context,
    pending.sid,
    hold,
    "error_no_pending",
    context.config.basePath,
  );
  if (refused !== undefined) return refused;
  const proof: Proof = {
    // Rule 2: the code went out on every one of these channels; any of them may have carried it.
    methods: pendingChannels(pending),
    channel: pending.channel,
    maskedDestination: pending.maskedDestination,
    ...(pending.factorId === undefined ? {} : { factorId: pending.factorId }),
  };
  return passedAnswer(context, await passSecondFactor(context, proof, fields));
}

function wrongCode(context: FlowContext, pending: PendingChallenge, hold: string): Promise<Decision> {
  const { config, record } = context;
  return countWrongAnswer(context, pending, hold, (checksUsed, left) =>
    left === 0
      ? { ...withoutFields(record, "pending"), notice: "too_many_attempts" }
      : { ...record, pending: { ...pending, checksUsed }, notice: "wrong_code" },
  ).then((decision) => decision ?? context.respond.redirect(config.basePath));
}

/**
 * Turns an approval into a success of the account, for the challenge and the enrolment alike, or
 * answers why it cannot: rule 3 (one approval is used once: 409 in JSON, else a redirect to
 * `usedRedirect`) and rule 7 (once the account is locked, while this check was in flight, a right
 * code does not pass: 429). `undefined` when the caller goes on.
 * @example
 * const refused = await acceptApproval(context, pending.sid, hold, "error_no_pending", config.basePath);
 * if (refused !== undefined) return refused;
 */
export async function acceptApproval(
  context: FlowContext,
  sid: string,
  hold: string,
  usedMessage: MessageKey,
  usedRedirect: string,
): Promise<Decision | undefined> {
  const { respond, json } = context;
  const refused = await claimProof(context, `approval:${sid}`, APPROVAL_MARKER_TTL_MS, hold);
  if (refused !== "used") return refused;
  return json
    ? respond.json(409, { error: "approval_already_used", message: respond.format(usedMessage) })
    : respond.redirect(usedRedirect);
}

/**
 * A code the provider evaluated as wrong, for the challenge and the enrolment alike (rule 7): the
 * check's hold becomes one of the account's consecutive failures (no resend, new code or login resets
 * it), a spent verification is ended at the provider, the record `next(checksUsed, attemptsLeft)` is
 * saved, `code.failed` (and `locked`) fire. Resolves to the JSON answer, or `undefined` for the caller
 * to redirect (post/redirect/get).
 * @example
 * const answer = await countWrongAnswer(context, pending, hold, (checksUsed, left) => ({ ...record, pending: { ...pending, checksUsed } }));
 */
export async function countWrongAnswer(
  context: FlowContext,
  verification: Pick<PendingChallenge, "sid" | "channel" | "maskedDestination" | "checksUsed">,
  hold: string,
  next: (checksUsed: number, attemptsLeft: number) => SecondFactorRecord,
): Promise<Decision | undefined> {
  const { config, limits, respond, user, json } = context;
  const counted = await limits.recordWrongCode(user.id, hold);
  const checksUsed = verification.checksUsed + 1;
  const left = attemptsLeft({ checksUsed });
  // A spent verification is ended at the provider too, so the next send starts a new one.
  if (left === 0) await cancelQuietly(context, verification.sid);
  await commit(context, next(checksUsed, left));
  config.emit({
    type: "code.failed",
    userId: user.id,
    channel: verification.channel,
    maskedDestination: verification.maskedDestination,
    attemptsLeft: left,
    failures: counted.failures,
  });
  if (counted.locked && counted.newlyLocked !== false) {
    config.emit({
      type: "locked",
      userId: user.id,
      failures: counted.failures,
      lockSeconds: counted.lockSeconds,
      lockNumber: counted.lockNumber,
    });
  }
  if (!json) return undefined;
  if (counted.locked) return respond.problem(true, lockedProblem(counted.lockSeconds));
  return respond.json(422, {
    error: "wrong_code",
    message: respond.format("notice_wrong_code"),
    attemptsLeft: left,
  });
}

/**
 * Cancels a verification at the provider; an outage here is logged (by callProvider) and otherwise
 * ignored: the caller drops it from the record either way.
 * @example
 * await cancelQuietly(context, pending.sid);
 */
export async function cancelQuietly(context: FlowContext, sid: string): Promise<void> {
  try {
    await callProvider(context.config, "cancel", context.user.id, () =>
      context.config.provider.cancel({ sid }),
    );
  } catch {
    // Nothing to undo: the record drops the challenge either way and the next send starts afresh.
  }
}

async function verificationDied(
  context: FlowContext,
  pending: PendingChallenge,
  reason: "max_attempts" | "not_found",
): Promise<Decision> {
  const { config, user, record } = context;
  const cleared = withoutFields(record, "pending", "notice");
  await commit(context, cleared);
  config.emit({ type: "code.expired", userId: user.id, channel: pending.channel, reason });
  const key = reason === "max_attempts" ? "notice_too_many_attempts" : "notice_expired";
  const error = reason === "max_attempts" ? "too_many_attempts" : "code_expired";
  return refuseField({ ...context, record: cleared, recordChanged: false }, null, error, key, {}, 422);
}
