/**
 * Signing in with a recovery code (issue 14, DESIGN §4 rules 2, 3, 7 and 10): an unused code of this
 * user passes the second factor with the method `recovery`, once, across every instance sharing the
 * factor store; a wrong one counts into the account's one lockout.
 */
import type { Decision } from "../boundary.js";
import { findRecoveryCode, normaliseRecoveryCode } from "../factors/recovery-codes.js";
import type { LockStatus } from "../limits/index.js";
import { saveSession } from "../outage.js";
import type { MessageKey } from "../pages/messages.js";
import type { PageError, PageViewBase, RecoveryPageView, RecoveryState } from "../pages/view.js";
import { readRecord, type SecondFactorRecord, withoutFields } from "../record/index.js";
import { lockedProblem } from "../respond/problems.js";
import { failClosed } from "../stores/factor-arguments.js";
import { checkWithinBudgets, settleSuccess } from "./check-path.js";
import { commit, type FlowContext } from "./context.js";
import { passSecondFactor, withCookies } from "./passed.js";
import { recoveryAccepted } from "./recovery-offer.js";
import { NOTICE_KEYS } from "./state.js";

type RecoveryData = Omit<RecoveryPageView, keyof PageViewBase>;

/**
 * `GET {basePath}/recovery`: the page to type a recovery code (field `code`, `remember`), or what
 * stands in the way (locked, no code left, a route that does not accept one); right after a code
 * passed, how many are left and the way to set up a new factor (shown once). JSON: the same as data.
 * @example
 * return showRecovery(context);
 */
export async function showRecovery(context: FlowContext): Promise<Decision> {
  const lock = await context.limits.lockStatus(context.user.id);
  const shown = context.record;
  if (shown.notice !== undefined) await commit(context, withoutFields(shown, "notice"));
  else if (context.recordChanged) await commit(context, shown);
  return recoveryAnswer(context, shown, lock, 200);
}

/**
 * `POST {basePath}/recovery` with field `code` (+ `remember`), forgiving of case, spaces and hyphens.
 * A value that cannot be a code (a stored hash included) is refused (400) before anything is counted.
 * Then rule 7: reserve before you check, the check budgets, one scrypt against the account's unused
 * hashes; the matching code is consumed atomically (rule 3: of concurrent uses one wins, the others
 * are told it was just used, 409) and the session passes with the method `recovery` (new session id,
 * `verified`, then `recovery.used` with how many are `left`), 303 to the page that says so (JSON: 200
 * `{ verified, returnTo, recoveryCodesLeft }`). A code that is none of them counts as a wrong answer
 * (`recovery.failed`, `locked` at the threshold): 303 back to the form (JSON: 422, or 429 once locked).
 * @example
 * return useRecoveryCode(context, body.fields);
 */
export async function useRecoveryCode(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, user, record } = context;
  const typed = fields.code;
  if (typeof typed !== "string" || typed.trim() === "") {
    return refuseRecovery(context, "code", "code_missing", "error_recovery_missing", 400);
  }
  if (normaliseRecoveryCode(typed) === undefined) {
    return refuseRecovery(context, "code", "invalid_code", "error_recovery_format", 400);
  }
  // A route that asks for another method (phishingResistant: passkeys) is not met by a code: keep it.
  if (!recoveryAccepted(record)) {
    return refuseRecovery(context, null, "recovery_not_accepted", "recovery_not_accepted", 403);
  }
  // Rule 7: the one check path (reserve before you check, the check budgets). The check finds the
  // code among the unused hashes and, rule 3, consumes it atomically in the store, across instances.
  const checked = await checkWithinBudgets(context, `recovery:${user.id}`, async () => {
    const set = await failClosed(() => config.factors.getRecoveryCodes(user.id));
    const hash = set === undefined ? undefined : await findRecoveryCode(typed, set.hashes);
    if (hash === undefined) return undefined;
    return failClosed(() => config.factors.consumeRecoveryCode(user.id, hash));
  });
  if (checked.kind === "answered") return checked.decision;
  const { result: consumed, hold } = checked;
  if (consumed === undefined) return wrongRecoveryCode(context, hold);
  if (!consumed.consumed) {
    await limits.releaseCheck(user.id, hold);
    return refuseRecovery(context, "code", "recovery_code_used", "error_recovery_used", 409);
  }
  const refused = await settleSuccess(context, hold);
  if (refused !== undefined) return refused;
  return passWithRecoveryCode(context, fields, consumed.left);
}

async function passWithRecoveryCode(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
  left: number,
): Promise<Decision> {
  const { config, respond, session, user, json } = context;
  const passed = await passSecondFactor(
    context,
    { methods: ["recovery"] },
    fields,
    json ? undefined : "recovery_used",
  );
  config.emit({ type: "recovery.used", userId: user.id, left });
  if (json) {
    const returnTo = passed.returnTo ?? config.defaultReturnTo;
    return withCookies(
      respond.json(200, { verified: true, returnTo, recoveryCodesLeft: left }),
      passed.cookies,
    );
  }
  // The page after success says how many are left, then continues to the kept return-to.
  const verified = readRecord(session.readRecord(), user.id);
  if (passed.returnTo !== undefined && verified !== undefined) {
    session.writeRecord({ ...verified, returnTo: passed.returnTo });
    await saveSession(session);
  }
  return withCookies(respond.redirect(`${config.basePath}/recovery`), passed.cookies);
}

async function wrongRecoveryCode(context: FlowContext, hold: string): Promise<Decision> {
  const { config, limits, respond, user, record, json } = context;
  const counted = await limits.recordWrongCode(user.id, hold);
  config.emit({ type: "recovery.failed", userId: user.id, failures: counted.failures });
  if (counted.locked && counted.newlyLocked !== false) {
    config.emit({
      type: "locked",
      userId: user.id,
      failures: counted.failures,
      lockSeconds: counted.lockSeconds,
      lockNumber: counted.lockNumber,
    });
  }
  if (json) {
    if (context.recordChanged) await commit(context, record);
    if (counted.locked) return respond.problem(true, lockedProblem(counted.lockSeconds));
    return respond.json(422, { error: "wrong_code", message: respond.format("notice_wrong_code") });
  }
  // Post/redirect/get: the form again, with the error on its field.
  await commit(context, { ...record, notice: "wrong_code" });
  return respond.redirect(`${config.basePath}/recovery`);
}

async function refuseRecovery(
  context: FlowContext,
  field: PageError["field"],
  error: string,
  key: MessageKey,
  status: number,
): Promise<Decision> {
  const lock = await context.limits.lockStatus(context.user.id);
  if (context.recordChanged) await commit(context, context.record);
  const message = context.respond.format(key);
  return recoveryAnswer(context, context.record, lock, status, { field, error, message });
}

function recoveryAnswer(
  context: FlowContext,
  record: SecondFactorRecord,
  lock: LockStatus,
  status: number,
  error?: PageError,
): Decision {
  const { config, respond, json } = context;
  const left = context.recovery?.left ?? 0;
  const state = recoveryState(record, lock, left);
  const data: RecoveryData = {
    page: "recovery",
    state,
    csrfToken: record.csrf,
    actions: {
      use: `${config.basePath}/recovery`,
      back: config.basePath,
      setup: `${config.basePath}/setup`,
    },
    left,
    ...(lock.locked ? { lockedForSeconds: lock.retryAfterSeconds } : {}),
    ...(state === "used" ? { continueTo: record.returnTo ?? config.defaultReturnTo } : {}),
    ...(record.notice === undefined
      ? {}
      : { notice: { kind: record.notice, message: respond.format(NOTICE_KEYS[record.notice]) } }),
    ...(error === undefined ? {} : { error }),
  };
  if (!json) return respond.recovery(data, status);
  if (error !== undefined) {
    return respond.json(status, {
      error: error.error,
      message: error.message,
      ...(error.field === null ? {} : { field: error.field }),
    });
  }
  return respond.json(status, {
    state,
    recoveryCodesLeft: left,
    lockedForSeconds: data.lockedForSeconds ?? null,
    csrfToken: record.csrf,
    actions: { use: data.actions.use },
  });
}

function recoveryState(record: SecondFactorRecord, lock: LockStatus, left: number): RecoveryState {
  if (record.notice === "recovery_used" && record.verifiedAt !== undefined) return "used";
  if (lock.locked) return "locked";
  if (!recoveryAccepted(record)) return "not_accepted";
  return left === 0 ? "none" : "enter";
}
