import type { BudgetRefusal } from "../limits/index.js";
import type { Problem } from "./index.js";

/**
 * The refusal for a budget or the account lock: 429 with `Retry-After`, nothing sent or checked.
 * @example
 * if (!outcome.ok) return respond.problem(json, budgetProblem(outcome));
 */
export function budgetProblem(refusal: BudgetRefusal): Problem {
  return refusal.scope === "lock"
    ? lockedProblem(refusal.retryAfterSeconds)
    : rateLimitedProblem(refusal.retryAfterSeconds);
}

/**
 * 429: the account's second-factor step is locked for `seconds`.
 * @example
 * respond.problem(json, lockedProblem(900));
 */
export function lockedProblem(seconds: number): Problem {
  return {
    status: 429,
    error: "locked",
    heading: "problem_locked_heading",
    body: "problem_locked_body",
    retryAfterSeconds: Math.max(1, Math.ceil(seconds)),
  };
}

/**
 * 429: a budget (or the provider's own limit) refused; try again in `seconds`.
 * @example
 * respond.problem(json, rateLimitedProblem(60));
 */
export function rateLimitedProblem(seconds: number): Problem {
  return {
    status: 429,
    error: "rate_limited",
    heading: "problem_rate_limited_heading",
    body: "problem_rate_limited_body",
    retryAfterSeconds: Math.max(1, Math.ceil(seconds)),
  };
}

/**
 * 503: the provider or a store failed; nothing was verified.
 * @example
 * respond.problem(json, unavailableProblem(5));
 */
export function unavailableProblem(seconds: number): Problem {
  return {
    status: 503,
    error: "unavailable",
    heading: "problem_unavailable_heading",
    body: "problem_unavailable_body",
    retryAfterSeconds: seconds,
  };
}

/**
 * 403: the CSRF token is missing or wrong; nothing was sent or checked.
 * @example
 * return respond.problem(json, CSRF_PROBLEM);
 */
export const CSRF_PROBLEM: Problem = {
  status: 403,
  error: "csrf_failed",
  heading: "problem_csrf_heading",
  body: "problem_csrf_body",
};
