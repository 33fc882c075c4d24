/**
 * The one check path of every guessable answer (DESIGN §4 rules 3 and 7): a code sent by the provider,
 * an authenticator-app code, a recovery code. Each factor's route brings its own check; the hold, the
 * budgets, the single use and the lock decided with the success are here once.
 */
import type { Decision } from "../boundary.js";
import type { FlowContext } from "./context.js";
import { refuseLimited } from "./refusals.js";

/**
 * How long a check's hold on the account's remaining failures outlives the provider's timeout: long
 * enough to write the verdict, short enough that a process that died mid-check frees it soon.
 * @default 5000
 * @example
 * await limits.reserveCheck(user.id, config.providerTimeoutMs + CHECK_HOLD_MARGIN_MS);
 */
export const CHECK_HOLD_MARGIN_MS = 5_000;

/**
 * What {@link checkWithinBudgets} came to: the check's `result` with the hold it keeps, or the answer
 * already given (locked, over budget).
 * @example
 * const checked: Checked<boolean> = { kind: "verdict", result: true, hold: "h1" };
 */
export type Checked<R> =
  | { kind: "verdict"; result: R; hold: string }
  | { kind: "answered"; decision: Decision };

/**
 * Rule 7 for one answer: reserve before you check (the check holds one of the account's remaining
 * failures while it runs, so concurrent checks never get past the threshold; 429 when locked or all
 * are held), then the check budgets of the session, user, `destination` and IP (429 when spent), then
 * `check`. A verdict keeps its hold: the caller turns it into a failure (`recordWrongCode`), a success
 * ({@link settleSuccess}, {@link claimProof}) or frees it (`releaseCheck`). When `check` throws (an
 * outage), the hold is freed and the error goes on (503).
 * @example
 * const checked = await checkWithinBudgets(context, `totp:${user.id}`, () => provider.verify(input));
 * if (checked.kind === "answered") return checked.decision;
 */
export async function checkWithinBudgets<R>(
  context: FlowContext,
  destination: string,
  check: () => Promise<R>,
): Promise<Checked<R>> {
  const { config, limits, user, record } = context;
  const held = await limits.reserveCheck(user.id, config.providerTimeoutMs + CHECK_HOLD_MARGIN_MS);
  if (!held.ok) {
    const decision = refuseLimited(context, "check", {
      ok: false,
      scope: "lock",
      retryAfterSeconds: held.retryAfterSeconds,
    });
    return { kind: "answered", decision };
  }
  const { hold } = held;
  try {
    const budget = await limits.consumeCheck({
      sessionKey: record.key,
      userId: user.id,
      destination,
      ip: context.request.ip,
    });
    if (!budget.ok) {
      await limits.releaseCheck(user.id, hold);
      return { kind: "answered", decision: refuseLimited(context, "check", budget) };
    }
    return { kind: "verdict", result: await check(), hold };
  } catch (error) {
    // No verdict: free the slot (else it lapses on its own) and answer the outage.
    await limits.releaseCheck(user.id, hold).catch(() => undefined);
    throw error;
  }
}

/**
 * A right answer's hold becomes a success of the account (the count of consecutive failures ends),
 * unless the lock was decided while it was in flight (rule 7: its hold lapsed and others locked the
 * account), when a right answer does not pass: 429. `undefined` when the caller goes on.
 * @example
 * const refused = await settleSuccess(context, hold);
 * if (refused !== undefined) return refused;
 */
export async function settleSuccess(context: FlowContext, hold: string): Promise<Decision | undefined> {
  const lock = await context.limits.recordSuccess(context.user.id, hold);
  if (!lock.locked) return undefined;
  return refuseLimited(context, "check", {
    ok: false,
    scope: "lock",
    retryAfterSeconds: lock.retryAfterSeconds,
  });
}

/**
 * Rule 3 for a right answer: claims `marker` once across every instance sharing the budget store
 * (`"used"`, with the hold freed, when another request claimed it first), then {@link settleSuccess}.
 * @example
 * const refused = await claimProof(context, `approval:${sid}`, APPROVAL_MARKER_TTL_MS, hold);
 * if (refused === "used") return alreadyUsed();
 */
export async function claimProof(
  context: FlowContext,
  marker: string,
  ttlMs: number,
  hold: string,
): Promise<"used" | Decision | undefined> {
  if (!(await context.limits.claimOnce(marker, ttlMs))) {
    await context.limits.releaseCheck(context.user.id, hold);
    return "used";
  }
  return settleSuccess(context, hold);
}
