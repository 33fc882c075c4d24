/**
 * Making a set of recovery codes (issue 14, DESIGN §4 rules 11 and 12): behind rule 11, only hashes
 * are stored, the old set is void at once, the owner is told (`recovery.generated`), the account's
 * trusted devices are revoked, and the codes are shown on this one answer and never again.
 */
import type { Decision } from "../boundary.js";
import { generateRecoveryCodes, hashRecoveryCodes, recoveryCodesText } from "../factors/recovery-codes.js";
import { commit, type FlowContext } from "../flow/context.js";
import { withoutFields } from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevicesAfterChange } from "./devices.js";
import { refuseOnSettings } from "./page.js";

/**
 * The name of the text file the codes page offers for download.
 * @default "recovery-codes.txt"
 * @example
 * `<a download="${RECOVERY_CODES_FILENAME}" ...>`
 */
export const RECOVERY_CODES_FILENAME = "recovery-codes.txt";

/**
 * `POST {basePath}/setup/recovery` (`_csrf` only): a new set of `recoveryCodes.count` codes. Rule 11
 * first (a fresh second factor, not a trusted device). An account with no factor is refused (409):
 * the codes are the way back to a factor. The answer is the page that shows the codes (200, never a
 * redirect to a page that could show them again; JSON: `{ codes, createdAt }`); the session keeps
 * nothing of them.
 * @example
 * return regenerateRecoveryCodes(context, body.fields);
 */
export async function regenerateRecoveryCodes(
  context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, respond, user, record, json } = context;
  if (!context.hasFactor) {
    return refuseOnSettings(context, null, "no_factor", "error_recovery_no_factor", 409);
  }
  const codes = generateRecoveryCodes(config.recoveryCodes.count);
  // Rule 12: only salted, slow hashes are stored; the codes themselves live only in this answer.
  const hashes = await hashRecoveryCodes(codes);
  const createdAt = config.now();
  await failClosed(() => config.factors.replaceRecoveryCodes(user.id, hashes, createdAt));
  config.emit({ type: "recovery.generated", userId: user.id, count: codes.length });
  // Rule 11: every change of factors revokes the account's trusted devices.
  await revokeDevicesAfterChange(context);
  if (record.notice !== undefined) await commit(context, withoutFields(record, "notice"));
  else if (context.recordChanged) await commit(context, record);
  if (json) return respond.json(200, { codes, createdAt });
  const file = recoveryCodesText(codes, new Date(createdAt));
  return respond.recovery(
    {
      page: "recovery_codes",
      codes,
      createdAt,
      download: {
        href: `data:text/plain;charset=utf-8,${encodeURIComponent(file)}`,
        filename: RECOVERY_CODES_FILENAME,
      },
      actions: { done: `${config.basePath}/setup` },
    },
    200,
  );
}
