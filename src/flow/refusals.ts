/**
 * The refusals `send` and `verify` share: an error tied to a field of the challenge page, a budget or
 * the account lock (429), and the provider's own rate limit (429). Each emits its event first.
 */
import type { Decision } from "../boundary.js";
import type { FlowAction } from "../events.js";
import type { BudgetRefusal } from "../limits/index.js";
import type { MessageKey } from "../pages/messages.js";
import type { PageError } from "../pages/view.js";
import { budgetProblem, rateLimitedProblem } from "../respond/problems.js";
import { commit, type FlowContext } from "./context.js";
import { showChallenge } from "./state.js";

/**
 * The challenge page again with an error tied to its field (or to the page), and `status`.
 * @default status 400
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

/**
 * A budget ran out or the account is locked (scope `"lock"`): a `limited` event, then 429 with
 * `Retry-After`. Nothing was sent or checked.
 * @example
 * if (!budget.ok) return refuseLimited(context, "send", budget);
 */
export function refuseLimited(context: FlowContext, action: FlowAction, refusal: BudgetRefusal): Decision {
  context.config.emit({
    type: "limited",
    userId: context.user.id,
    action,
    scope: refusal.scope,
    retryAfterSeconds: refusal.retryAfterSeconds,
  });
  return context.respond.problem(context.json, budgetProblem(refusal));
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
  action: FlowAction,
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
