/**
 * The settings routes (DESIGN §5 `/2fa/setup...`): the settings page, phone and e-mail enrolment, and
 * removal. The flow's dispatcher has read the body and checked the CSRF token (rule 6) before these
 * run; each asks rule 11 ({@link mayManage}) first.
 */
import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { withoutFields } from "../record/index.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevices } from "./devices.js";
import { cancelEnrolment, startEnrolment, verifyEnrolment } from "./enrol.js";
import { enrolmentAnswer, settingsAnswer } from "./page.js";
import { removeFactor } from "./remove.js";
import { renameFactor } from "./rename.js";
import { passkeyRegistrationOptions, registerPasskey } from "./setup-passkey.js";
import { regenerateRecoveryCodes } from "./setup-recovery.js";
import { cancelTotpSetup, confirmTotpSetup, showTotpSetup, startTotpSetup } from "./setup-totp.js";

/**
 * The settings routes, relative to `basePath`: `setup` (`GET /setup`), `setup_phone` (`GET` the code
 * page, `POST` start), `setup_phone_verify`, `setup_phone_cancel`, `setup_remove`, `setup_totp` (`GET`
 * the QR page, `POST` a pending secret), `setup_totp_verify`, `setup_recovery`, `setup_passkey_options`,
 * `setup_passkey`, `setup_rename`, `setup_devices_revoke`.
 * @example
 * const route: SettingsRoute = "setup_remove";
 */
export type SettingsRoute =
  | "setup"
  | "setup_phone"
  | "setup_phone_verify"
  | "setup_phone_cancel"
  | "setup_remove"
  | "setup_totp"
  | "setup_totp_verify"
  | "setup_totp_cancel"
  | "setup_recovery"
  | "setup_passkey_options"
  | "setup_passkey"
  | "setup_rename"
  | "setup_devices_revoke";

/**
 * `GET {basePath}/setup` (the settings page) and `GET {basePath}/setup/phone` (the code page). A
 * one-time notice is shown once and then dropped. A session that may not manage factors goes through
 * the challenge first (rule 11).
 * @example
 * return showSettings("setup", context);
 */
export async function showSettings(route: SettingsRoute, context: FlowContext): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  if (route === "setup_totp") return showTotpSetup(context);
  const shown = context.record;
  if (route === "setup_phone" && shown.enrolment === undefined) {
    if (context.recordChanged) await commit(context, shown);
    return context.respond.redirect(`${context.config.basePath}/setup`, 302);
  }
  if (shown.notice !== undefined) await commit(context, withoutFields(shown, "notice"));
  else if (context.recordChanged) await commit(context, shown);
  return route === "setup_phone" ? enrolmentAnswer(context, shown, 200) : settingsAnswer(context, shown, 200);
}

/**
 * The settings' POST routes, after the body and CSRF checks.
 * @example
 * return changeSettings("setup_remove", context, body.fields);
 */
export function changeSettings(
  route: SettingsRoute,
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  switch (route) {
    case "setup":
    case "setup_phone":
      return startEnrolment(context, fields);
    case "setup_phone_verify":
      return verifyEnrolment(context, fields);
    case "setup_phone_cancel":
      return cancelEnrolment(context);
    case "setup_remove":
      return removeFactor(context, fields);
    case "setup_totp":
      return startTotpSetup(context, fields);
    case "setup_totp_verify":
      return confirmTotpSetup(context, fields);
    case "setup_totp_cancel":
      return cancelTotpSetup(context);
    case "setup_recovery":
      return regenerateRecoveryCodes(context, fields);
    case "setup_passkey_options":
      return passkeyRegistrationOptions(context, fields);
    case "setup_passkey":
      return registerPasskey(context, fields);
    case "setup_rename":
      return renameFactor(context, fields);
    case "setup_devices_revoke":
      return revokeDevices(context, fields);
  }
}
