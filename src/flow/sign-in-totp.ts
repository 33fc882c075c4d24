import type { Decision } from "../boundary.js";
import {
  normalizeTotpCode,
  type TotpRefusal,
  type TotpSingleUse,
  type TotpVerifyResult,
} from "../providers/totp-provider.js";
import type { TotpFactor } from "../stores/index.js";
import type { FlowContext } from "./context.js";
import { passedAnswer, passSecondFactor } from "./passed.js";
import { providerRateLimited, refuseField } from "./refusals.js";
import {
  acceptTotp,
  checkTotpWithinBudgets,
  countWrongTotp,
  totpFactors,
  totpOffered,
} from "./totp-check.js";

/** Digits of an authenticator app's code (RFC 6238 as every app reads it). */
const TOTP_DIGITS = 6;

/**
 * `POST {basePath}/totp` with field `code` (+ `remember`): a code of the account's authenticator app.
 * Refused before any check (400) when the code is not 6 digits or the account has no app the route
 * accepts. Then rule 7 (locked or over budget: 429, nothing checked), the provider (±1 step), rule 3
 * (a time step of the account passes once, across sessions and instances: 409 in JSON, the page with
 * the error otherwise), and the pass (rule 4: new session id, 303 to the return-to; JSON 200). A
 * wrong code counts into the account's one lockout: 303 back to the challenge (JSON: 422).
 * @example
 * return verifyTotp(context, body.fields);
 */
export async function verifyTotp(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, user, record, respond, json } = context;
  const provider = config.totp?.provider;
  if (provider === undefined || !totpOffered(context, record)) {
    return refuseField(context, null, "no_totp", "error_totp_none");
  }
  const code = normalizeTotpCode(fields.code, TOTP_DIGITS);
  if (code === undefined) {
    const missing = typeof fields.code !== "string" || fields.code.trim() === "";
    return missing
      ? refuseField(context, "code", "code_missing", "error_totp_code_missing")
      : refuseField(context, "code", "invalid_code", "error_totp_code_format");
  }
  const apps = totpFactors(context);
  const checked = await checkTotpWithinBudgets(context, () => firstApproval(context, apps, code));
  if (checked.kind === "answered") return checked.decision;
  const { result, hold } = checked;
  if (result.status === "approved") {
    const refused = await acceptTotp(context, result.singleUse, hold);
    if (refused === "used") {
      return json
        ? respond.json(409, { error: "code_already_used", message: respond.format("error_totp_used") })
        : refuseField(context, "code", "code_already_used", "error_totp_used", {}, 409);
    }
    if (refused !== undefined) return refused;
    const passed = await passSecondFactor(context, { methods: ["totp"], factorId: result.factorId }, fields);
    return passedAnswer(context, passed);
  }
  if (result.status === "wrong") {
    const answer = await countWrongTotp(context, hold, false, { ...record, notice: "wrong_code" });
    return answer ?? respond.redirect(config.basePath);
  }
  await limits.releaseCheck(user.id, hold);
  switch (result.status) {
    case "too_many_attempts":
      return providerRateLimited(context, "check", result.retryAfterSeconds);
    case "invalid_code":
      return refuseField(context, "code", "invalid_code", "error_totp_code_format");
    case "expired":
    case "not_found":
      return refuseField(context, null, "totp_unavailable", "error_totp_unavailable", {}, 422);
  }
}

type Approval = { status: "approved"; factorId: string; singleUse: TotpSingleUse };

/**
 * Checks the code against each of the account's apps, oldest first, and stops at the first approval:
 * a wrong code is wrong for all of them (it counts once), another refusal is the first one seen.
 */
async function firstApproval(
  context: FlowContext,
  apps: readonly TotpFactor[],
  code: string,
): Promise<Approval | TotpRefusal> {
  const provider = context.config.totp?.provider;
  let refusal: TotpRefusal | undefined;
  for (const app of apps) {
    if (provider === undefined) break;
    const result: TotpVerifyResult = await provider.verify({
      accountId: context.user.id,
      stored: app.secret,
      code,
    });
    if (result.status === "approved") {
      return { status: "approved", factorId: app.id, singleUse: result.singleUse };
    }
    if (refusal === undefined || result.status === "wrong") refusal = result;
  }
  return refusal ?? { status: "not_found" };
}
