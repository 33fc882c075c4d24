/**
 * Rule 11 (DESIGN §4): who may change an account's factors. One place decides it for every settings
 * route; the routes only ask.
 */
import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { secondFactorRequired } from "../guard/index.js";
import {
  isVerifiedFor,
  METHODS,
  type Method,
  type SecondFactorRecord,
  withoutFields,
} from "../record/index.js";

/**
 * The methods whose pass lets a session manage factors: every one but a trusted device (rule 11).
 * @example
 * MANAGE_METHODS.includes("trusted_device"); // false
 */
export const MANAGE_METHODS: readonly Method[] = Object.freeze(
  METHODS.filter((method) => method !== "trusted_device"),
);

/**
 * Rule 11: a session may add or remove factors when it passed the second factor within `manageMaxAge`
 * by a method other than a trusted device, or when the account has no factor yet.
 * @example
 * if (!mayManage(context)) return throughChallenge(context);
 */
export function mayManage(context: FlowContext): boolean {
  if (!context.hasFactor) return true;
  const { config, record, user } = context;
  return isVerifiedFor(record, user.id, config.now(), config.manageMaxAgeMs, MANAGE_METHODS);
}

/**
 * Sends a session that may not manage factors through the challenge, with `manageMaxAge` as its
 * requirement and the settings page as its return-to (the guard's way): 302/303 to the challenge, or
 * 401 in JSON. The record is saved first (rule 8).
 * @example
 * if (!mayManage(context)) return throughChallenge(context);
 */
export async function throughChallenge(context: FlowContext): Promise<Decision> {
  const { config, respond, record, request, user, json } = context;
  const next: SecondFactorRecord = {
    ...withoutFields(record, "returnTo", "requirement"),
    returnTo: `${config.basePath}/setup`,
    requirement: { maxAgeMs: config.manageMaxAgeMs, channels: MANAGE_METHODS },
  };
  await commit(context, next);
  const method = request.method.toUpperCase();
  const maxAgeSeconds = Math.floor(config.manageMaxAgeMs / 1000);
  config.emit({ type: "challenge.required", userId: user.id, method, path: context.path, maxAgeSeconds });
  if (json) return secondFactorRequired(config, respond, maxAgeSeconds);
  return respond.redirect(config.basePath, method === "GET" || method === "HEAD" ? 302 : 303);
}
