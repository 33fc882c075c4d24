/**
 * Whether the challenge offers a recovery code (issue 14): the account has unused codes and the route
 * that sent the user here accepts the method `recovery` (a `phishingResistant` or `methods` policy
 * without it does not).
 */
import type { RecoveryLink } from "../pages/view.js";
import type { SecondFactorRecord } from "../record/index.js";
import type { FlowContext } from "./context.js";

/**
 * Whether the route the user is passing the second factor for accepts a recovery code. A route
 * without a list of methods accepts it (the guard's default methods include `recovery`).
 * @example
 * if (!recoveryAccepted(record)) return refuse("recovery_not_accepted");
 */
export function recoveryAccepted(record: SecondFactorRecord): boolean {
  const methods = record.requirement?.channels;
  return methods === undefined || methods.includes("recovery");
}

/**
 * The challenge page's "Use a recovery code" link, when the account has unused codes and the route
 * accepts one; else nothing.
 * @example
 * const data = { ...base, ...recoveryOffer(context, record) };
 */
export function recoveryOffer(
  context: Pick<FlowContext, "config" | "recovery">,
  record: SecondFactorRecord,
): { recovery: RecoveryLink } | Record<string, never> {
  const left = context.recovery?.left ?? 0;
  if (left === 0 || !recoveryAccepted(record)) return {};
  return { recovery: { href: `${context.config.basePath}/recovery`, left } };
}
