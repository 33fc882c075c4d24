import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { isOnFileId } from "../flow/destinations.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { refuseOnSettings } from "./page.js";

/**
 * The longest factor name, in characters.
 * @default 64
 * @example
 * factorName("x".repeat(MAX_FACTOR_NAME_LENGTH)); // accepted
 */
export const MAX_FACTOR_NAME_LENGTH = 64;

/**
 * A factor name as typed, trimmed: 1 to {@link MAX_FACTOR_NAME_LENGTH} characters on one line
 * (no control characters); `undefined` for anything else.
 * @example
 * factorName("  Work laptop "); // "Work laptop"
 * factorName("a\nb"); // undefined
 */
export function factorName(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const name = value.trim();
  if (name.length === 0 || name.length > MAX_FACTOR_NAME_LENGTH) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return undefined;
  return name;
}

/**
 * `POST {basePath}/setup/rename` with `factor` (a factor id) and `name`: renames one of the account's
 * factors (`factor.renamed`), then 303 to the settings page (JSON: 200 `{ renamed, factor }`). Rule 11
 * first, like every settings change. A name is a label, not a credential: the account's trusted
 * devices are kept. Refused (400): a bad name, the phone on file, an id that is not the account's.
 * @example
 * return renameFactor(context, body.fields);
 */
export async function renameFactor(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, respond, record, json, user } = context;
  const id = fields.factor;
  if (typeof id !== "string" || id.length === 0 || id.length > 128 || isOnFileId(id)) {
    return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  }
  const factor = context.storedFactors.find((stored) => stored.id === id);
  if (factor === undefined)
    return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  const name = factorName(fields.name);
  if (name === undefined) return refuseOnSettings(context, "factor", "invalid_name", "error_factor_name");
  const renamed = await failClosed(() => config.factors.renameFactor(user.id, id, name));
  if (!renamed) return refuseOnSettings(context, "factor", "invalid_factor", "error_factor_invalid");
  config.emit({ type: "factor.renamed", userId: user.id, kind: factor.kind, name });
  if (context.recordChanged || record.notice !== undefined) await commit(context, record);
  return json
    ? respond.json(200, { renamed: true, factor: { id, kind: factor.kind, name } })
    : respond.redirect(`${config.basePath}/setup`);
}
