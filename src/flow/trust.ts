/**
 * "Don't ask again on this browser" (DESIGN §4 rule 13): the trusted device a passed factor creates
 * when the form asked for it.
 */
import type { DecisionCookies } from "../boundary.js";
import {
  deviceLabel,
  isTrustTokenShape,
  newTrustToken,
  trustCookie,
  trustCookieName,
  trustExpiresAt,
  trustTokenHash,
} from "../factors/trusted-device.js";
import type { FlowContext } from "./context.js";

const NONE: DecisionCookies = Object.freeze([]);

/**
 * Whether the form asked to trust this browser: the checkbox `remember` (value `1`), or JSON `true`.
 * @example
 * wantsRemember({ remember: "1" }); // true
 */
export function wantsRemember(fields: Readonly<Record<string, unknown>>): boolean {
  return fields.remember === "1" || fields.remember === true;
}

/**
 * The cookies that make this browser a trusted device (DESIGN §4 rule 13) after a factor passed the
 * second factor, when the form asked for it (`remember` = `1`); none otherwise. A fresh 256-bit token
 * each time (never one reused across sign-ins), stored only as its hash with the user id, a label from
 * the User-Agent, and `trustFor` to live; the `device.trusted` event names the device, never the token.
 * A device this browser was already trusted as, for this user, is replaced. Called by
 * {@link passSecondFactor} after the session is verified and saved.
 * @example
 * const cookies = await trustThisDevice(context, fields);
 */
export async function trustThisDevice(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<DecisionCookies> {
  if (!wantsRemember(fields)) return NONE;
  const { config, request, user } = context;
  const settings = config.trustedDevices;
  const now = config.now();
  const token = newTrustToken();
  const label = deviceLabel(request.userAgent);
  const expiresAt = trustExpiresAt(settings, now);
  try {
    await replaceEarlier(context);
    const device = await config.factors.addTrustedDevice(user.id, {
      tokenHash: trustTokenHash(token),
      label,
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
    });
    config.emit({ type: "device.trusted", userId: user.id, deviceId: device.id, label, expiresAt });
  } catch {
    // The session is verified and saved already: failing the request now would show an outage to a
    // user who has signed in. Trust is a convenience, so it is skipped (no cookie without its stored
    // device) and the next sign-in asks for a factor again.
    config.logger.warn("second-factor: the factor store failed to trust this device; no cookie was set", {
      code: "ERR_SF_STORE_UNAVAILABLE",
    });
    return NONE;
  }
  return [trustCookie(settings, token, request.secure)];
}

/** Revokes the device this browser's cookie names for this user, so the list does not grow with stale rows. */
async function replaceEarlier(context: FlowContext): Promise<void> {
  const { config, request, user } = context;
  const earlier = request.cookie(trustCookieName(config.trustedDevices, request.secure));
  if (!isTrustTokenShape(earlier)) return;
  const device = await config.factors.findTrustedDevice(user.id, trustTokenHash(earlier), config.now());
  if (device !== undefined) await config.factors.revokeTrustedDevice(user.id, device.id);
}
