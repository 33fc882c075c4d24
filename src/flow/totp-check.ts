/**
 * The one check path of authenticator-app codes, for the challenge (`POST /2fa/totp`) and the set-up
 * (`POST /2fa/setup/totp/verify`): rule 7 (reserve before you check, the check budgets, a wrong code
 * counts into the account's one lockout) and rule 3 (a time step of an account is accepted once).
 */
import type { Decision } from "../boundary.js";
import { callProvider } from "../outage.js";
import type { TotpSingleUse } from "../providers/totp-provider.js";
import type { SecondFactorRecord } from "../record/index.js";
import { lockedProblem } from "../respond/problems.js";
import type { TotpFactor } from "../stores/index.js";
import { type Checked, checkWithinBudgets, claimProof } from "./check-path.js";
import { commit, type FlowContext } from "./context.js";

/**
 * The account's authenticator apps, as the store holds them.
 * @example
 * const apps = totpFactors(context);
 */
export function totpFactors(context: FlowContext): TotpFactor[] {
  return context.storedFactors.filter((factor): factor is TotpFactor => factor.kind === "totp");
}

/**
 * Whether the challenge offers (and `POST /2fa/totp` accepts) an authenticator app: TOTP is on, the
 * account has one, and the route that sent the user here accepts the `totp` method.
 * @example
 * if (!totpOffered(context, record)) return refuse();
 */
export function totpOffered(context: FlowContext, record: SecondFactorRecord): boolean {
  const methods = record.requirement?.channels;
  return (
    context.config.totp !== undefined &&
    (methods === undefined || methods.includes("totp")) &&
    context.storedFactors.some((factor) => factor.kind === "totp")
  );
}

/**
 * An authenticator-app code through the one check path ({@link checkWithinBudgets}: the hold, the
 * check budgets, one budget for the account's apps since no phone is involved), `check` under the
 * provider's deadline (an outage answers 503). A verdict keeps its hold: settle it with
 * {@link countWrongTotp}, {@link acceptTotp} or `releaseCheck`.
 * @example
 * const checked = await checkTotpWithinBudgets(context, () => provider.verify({ accountId, stored, code }));
 * if (checked.kind === "answered") return checked.decision;
 */
export function checkTotpWithinBudgets<R>(
  context: FlowContext,
  check: () => Promise<R>,
): Promise<Checked<R>> {
  const { config, user } = context;
  return checkWithinBudgets(context, `totp:${user.id}`, () => callProvider(config, "check", user.id, check));
}

/**
 * Turns a right code into a success of the account, or says why it cannot: `"used"` when this time
 * step of this account was accepted already (rule 3: the same code in a second session, or replayed;
 * across instances on a shared budget store), a 429 decision once the account is locked (rule 7),
 * `undefined` when the caller goes on.
 * @example
 * const refused = await acceptTotp(context, result.singleUse, hold);
 */
export async function acceptTotp(
  context: FlowContext,
  singleUse: TotpSingleUse,
  hold: string,
): Promise<"used" | Decision | undefined> {
  const ttlMs = Math.max(1, Math.min(singleUse.ttlSeconds, 3600)) * 1000;
  return claimProof(context, `totp-used:${context.user.id}:${singleUse.key}`, ttlMs, hold);
}

/**
 * A wrong code (rule 7): the hold becomes one of the account's consecutive failures (mixed with wrong
 * SMS and recovery codes), `next` is saved, `totp.failed` (and `locked`) fire. Resolves to the JSON
 * answer (422, or 429 once locked), or `undefined` for the caller to redirect.
 * @example
 * const answer = await countWrongTotp(context, hold, false, { ...record, notice: "wrong_code" });
 */
export async function countWrongTotp(
  context: FlowContext,
  hold: string,
  enrolment: boolean,
  next: SecondFactorRecord,
): Promise<Decision | undefined> {
  const { config, limits, respond, user, json } = context;
  const counted = await limits.recordWrongCode(user.id, hold);
  await commit(context, next);
  config.emit({ type: "totp.failed", userId: user.id, enrolment, failures: counted.failures });
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
  return respond.json(422, { error: "wrong_code", message: respond.format("notice_wrong_code") });
}
