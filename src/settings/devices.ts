/**
 * Trusted devices on the settings page (DESIGN §4 rules 11 and 13): listed, revocable one by one or
 * all, and all revoked by every change of factors.
 */
import type { Decision, DecisionCookies, SecondFactorUser } from "../boundary.js";
import {
  clearTrustCookie,
  isTrustTokenShape,
  trustCookieName,
  trustTokenHash,
} from "../factors/trusted-device.js";
import { commit, type FlowContext } from "../flow/context.js";
import { withCookies } from "../flow/passed.js";
import type { CoreConfig } from "../options/index.js";
import type { DeviceRow } from "../pages/view.js";
import { failClosed } from "../stores/factor-arguments.js";
import type { TrustedDevice } from "../stores/index.js";
import { mayManage, throughChallenge } from "./access.js";
import { refuseOnSettings } from "./page.js";

/**
 * The account's unexpired trusted devices, oldest first, for the settings routes (a failing store is
 * a 503, rule 8).
 * @example
 * const devices = await loadTrustedDevices(config, user);
 */
export function loadTrustedDevices(
  config: CoreConfig<unknown>,
  user: SecondFactorUser,
): Promise<readonly TrustedDevice[]> {
  return failClosed(() => config.factors.listTrustedDevices(user.id, config.now()));
}

/**
 * The devices as the settings page lists them: label, created, last used, expires and whether it is
 * this browser; never the token or its hash.
 * @example
 * const rows = deviceRows(context);
 */
export function deviceRows(context: FlowContext): DeviceRow[] {
  const current = currentTokenHash(context);
  return (context.trustedDevices ?? []).map((device) => ({
    device: device.id,
    label: device.label,
    createdAt: device.createdAt,
    lastUsedAt: device.lastUsedAt,
    expiresAt: device.expiresAt,
    thisBrowser: current !== undefined && current === device.tokenHash,
  }));
}

/**
 * `POST {basePath}/setup/devices/revoke` with field `device` (a device id, or `all`): revokes it
 * (`device.revoked`), clears this browser's cookie when it was this browser, then 303 to the settings
 * page (JSON: 200 `{ revoked, count }`). Rule 11 first: a session that may not manage factors goes
 * through the challenge. An id that is not one of this account's devices is 400, tied to the field.
 * @example
 * return revokeDevices(context, body.fields);
 */
export async function revokeDevices(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, respond, json, user, request } = context;
  const id = fields.device;
  if (typeof id !== "string" || id.length === 0 || id.length > 128) {
    return refuseOnSettings(context, "device", "invalid_device", "error_device_invalid");
  }
  let count: number;
  let thisBrowser: boolean;
  if (id === "all") {
    count = await failClosed(() => config.factors.revokeAllTrustedDevices(user.id));
    thisBrowser = true;
  } else {
    const row = deviceRows(context).find((listed) => listed.device === id);
    const revoked =
      row !== undefined && (await failClosed(() => config.factors.revokeTrustedDevice(user.id, id)));
    if (row === undefined || !revoked) {
      return refuseOnSettings(context, "device", "invalid_device", "error_device_invalid");
    }
    count = 1;
    thisBrowser = row.thisBrowser;
  }
  config.emit({ type: "device.revoked", userId: user.id, deviceId: id, count, reason: "user" });
  if (context.recordChanged) await commit(context, context.record);
  const cookies: DecisionCookies = thisBrowser
    ? [clearTrustCookie(config.trustedDevices, request.secure)]
    : [];
  const answer = json
    ? respond.json(200, { revoked: true, count })
    : respond.redirect(`${config.basePath}/setup`);
  return withCookies(answer, cookies);
}

/**
 * Rule 11: every change of factors revokes the account's trusted devices, and says so with
 * `device.revoked` (`reason: "factor_changed"`) when there were any. A failing store is a 503.
 * @example
 * await revokeDevicesAfterChange(context);
 */
export async function revokeDevicesAfterChange(context: Pick<FlowContext, "config" | "user">): Promise<void> {
  const { config, user } = context;
  const count = await failClosed(() => config.factors.revokeAllTrustedDevices(user.id));
  if (count > 0) {
    config.emit({
      type: "device.revoked",
      userId: user.id,
      deviceId: "all",
      count,
      reason: "factor_changed",
    });
  }
}

function currentTokenHash(context: FlowContext): string | undefined {
  const { config, request } = context;
  const token = request.cookie(trustCookieName(config.trustedDevices, request.secure));
  return isTrustTokenShape(token) ? trustTokenHash(token) : undefined;
}
