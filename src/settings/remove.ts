import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { isOnFileId } from "../flow/destinations.js";
import { maskDestination } from "../mask.js";
import { withoutFields } from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevicesAfterChange } from "./devices.js";
import { refuseOnSettings } from "./page.js";
import { removeTotpAtProvider } from "./setup-totp.js";

/**
 * `POST {basePath}/setup/remove` with `factor` (a factor id): removes one of the account's factors
 * (`factor.removed`, trusted devices revoked), then 303 to the settings page (JSON: 200). Refused: the
 * phone on file (the app manages it), an id that is not the account's, and under `enrolment:
 * "required"` the account's last factor (decided atomically by the store).
 * @example
 * return removeFactor(context, body.fields);
 */
export async function removeFactor(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, respond, record, json, user } = context;
  const id = fields.factor;
  if (typeof id !== "string" || id.length === 0 || id.length > 128) {
    return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  }
  if (isOnFileId(id)) return refuseOnSettings(context, "factor", "factor_on_file", "error_factor_on_file");
  const factor = context.storedFactors.find((stored) => stored.id === id);
  if (factor === undefined)
    return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  // The phone on file stays whatever happens here, so it counts as the factor that is kept.
  const keepLast = config.enrolment === "required" && !context.destinations.some((known) => known.onFile);
  const removed = await failClosed(() => config.factors.removeFactor(user.id, id, { keepLast }));
  if (removed === "kept_last") {
    return refuseOnSettings(context, "factor", "last_factor", "error_last_factor", 409);
  }
  if (removed === "not_found") {
    return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  }
  const maskedDestination =
    factor.kind === "phone" || factor.kind === "email" ? maskDestination(factor.destination) : "";
  config.emit({ type: "factor.removed", userId: user.id, kind: factor.kind, maskedDestination });
  if (factor.kind === "totp") await removeTotpAtProvider(context, factor.secret);
  // Rule 11: every change of factors revokes the account's trusted devices.
  await revokeDevicesAfterChange(context);
  // A code waiting on the removed phone is void (rule 2): the next load would drop it; drop it now.
  const base = record.pending?.factorId === id ? withoutFields(record, "pending") : record;
  await commit(context, { ...base, notice: "factor_removed" });
  return json ? respond.json(200, { removed: true }) : respond.redirect(`${config.basePath}/setup`);
}
