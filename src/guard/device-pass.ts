/**
 * A trusted device at the guard (DESIGN §4 rules 2, 4, 7 and 13): off the hot path, a session of this
 * user that has not passed is verified by a valid trust cookie of this user.
 */
import type { RequestView, SecondFactorUser, SessionPort } from "../boundary.js";
import {
  isTrustTokenShape,
  shouldTouchDevice,
  trustCookieName,
  trustTokenHash,
  trustTokenMatches,
} from "../factors/trusted-device.js";
import { markSessionVerified } from "../flow/passed.js";
import type { CoreConfig } from "../options/index.js";

/**
 * What the trust cookie did: `none` (no cookie), `passed` (the session is verified now), `clear` (a
 * token that is not a device of this user: tampered, expired, revoked or another user's), `kept` (a
 * valid token that cannot pass now: the account is locked, or a store failed).
 * @example
 * const outcome: DeviceOutcome = "clear";
 */
export type DeviceOutcome = "none" | "passed" | "clear" | "kept";

const TRUSTED_DEVICE_PROOF = Object.freeze({ methods: Object.freeze(["trusted_device" as const]) });

/**
 * Reads this browser's trust cookie and, when it is a device of `user` that is not expired or revoked
 * and the account is not locked, verifies the session by `trusted_device` through the one way every
 * factor does it (new record, new session id, `verified`); "last used" is written at most hourly. A
 * failing session store rejects (the guard answers 503); a failing factor or budget store only means
 * the device is not used this time (`kept`: the user is challenged, which is always safe).
 * @example
 * const outcome = await passByTrustedDevice(config, request, session, user);
 * if (outcome === "passed") return NEXT;
 */
export async function passByTrustedDevice(
  config: CoreConfig<unknown>,
  request: RequestView,
  session: SessionPort,
  user: SecondFactorUser,
): Promise<DeviceOutcome> {
  const token = request.cookie(trustCookieName(config.trustedDevices, request.secure));
  if (token === undefined) return "none";
  if (!isTrustTokenShape(token)) return "clear";
  const now = config.now();
  let device: Awaited<ReturnType<typeof config.factors.findTrustedDevice>>;
  try {
    // Rule 13: looked up under this user's id only, so another account's token finds nothing.
    device = await config.factors.findTrustedDevice(user.id, trustTokenHash(token), now);
    if (device === undefined || device.userId !== user.id || !trustTokenMatches(token, device.tokenHash)) {
      return "clear";
    }
    // Rule 7: a locked account is challenged whatever the device (the cookie stays: it is still valid).
    if ((await config.limits.lockStatus(user.id)).locked) return "kept";
  } catch {
    config.logger.warn(
      "second-factor: a store failed while reading a trusted device; the user is challenged",
      {
        code: "ERR_SF_STORE_UNAVAILABLE",
      },
    );
    return "kept";
  }
  await markSessionVerified(config, session, user.id, TRUSTED_DEVICE_PROOF);
  if (shouldTouchDevice(device.lastUsedAt, now)) {
    try {
      await config.factors.touchTrustedDevice(user.id, device.id, now);
    } catch {
      config.logger.warn("second-factor: the factor store failed to record a trusted device's last use", {
        code: "ERR_SF_STORE_UNAVAILABLE",
      });
    }
  }
  return "passed";
}
