import type { Decision } from "../boundary.js";
import type { LockStatus } from "../limits/index.js";
import type { MessageKey } from "../pages/messages.js";
import type { ChallengePageView, PageError, PageViewBase } from "../pages/view.js";
import { attemptsLeft, type Notice, requirementMet, type SecondFactorRecord } from "../record/index.js";
import type { FlowContext } from "./context.js";
import { availableChannels } from "./destinations.js";
import { passkeyView } from "./passkey-view.js";
import { recoveryOffer } from "./recovery-offer.js";
import { totpOffered } from "./totp-check.js";

/**
 * The challenge page's data, without the common page fields.
 * @example
 * const data: ChallengeData = challengeData(context, record, lock);
 */
export type ChallengeData = Omit<ChallengePageView, keyof PageViewBase>;

/**
 * The catalog message of each one-time notice, shared by the challenge and the settings pages.
 * @example
 * respond.format(NOTICE_KEYS.wrong_code); // "That code was not right. Check it and try again."
 */
export const NOTICE_KEYS = {
  sent: "notice_sent",
  resent: "notice_resent",
  wrong_code: "notice_wrong_code",
  expired: "notice_expired",
  too_many_attempts: "notice_too_many_attempts",
  canceled: "notice_canceled",
  factor_added: "notice_factor_added",
  factor_removed: "notice_factor_removed",
  enrolment_canceled: "notice_enrolment_canceled",
  recovery_used: "notice_recovery_used",
  totp_added: "notice_totp_added",
} as const satisfies Record<Notice, MessageKey>;

/**
 * Where the challenge stands for this session, as the page (and JSON) show it.
 * @example
 * const data = challengeData(context, record, await limits.lockStatus(user.id));
 */
export function challengeData(
  context: FlowContext,
  record: SecondFactorRecord,
  lock: LockStatus,
  error?: PageError,
): ChallengeData {
  const { config, respond, destinations } = context;
  const now = config.now();
  const channels = availableChannels(config.channels, destinations, record.requirement);
  const phones = destinations.filter((destination) => destination.kind === "phone");
  const pending = record.pending;
  const passkey = passkeyView(context, record);
  const base: ChallengeData = {
    page: "challenge",
    state: "choose",
    csrfToken: record.csrf,
    actions: {
      send: `${config.basePath}/send`,
      verify: `${config.basePath}/verify`,
      cancel: `${config.basePath}/cancel`,
      setup: `${config.basePath}/setup`,
    },
    channels,
    phones:
      phones.length > 1
        ? phones.map((phone) => ({ factor: phone.factorId, maskedDestination: phone.masked }))
        : [],
    codeLength: config.codeLength,
    ...(passkey === undefined ? {} : { passkey }),
    ...recoveryOffer(context, record),
    ...(totpOffered(context, record) ? { totp: { action: `${config.basePath}/totp` } } : {}),
    ...(error === undefined ? {} : { error }),
    ...(record.notice === undefined
      ? {}
      : { notice: { kind: record.notice, message: respond.format(NOTICE_KEYS[record.notice]) } }),
    ...(record.verifiedAt === undefined
      ? {}
      : {
          verified: {
            verifiedAt: record.verifiedAt,
            agoSeconds: Math.max(0, Math.floor((now - record.verifiedAt) / 1000)),
            channel: record.verifiedChannel ?? null,
            methods:
              record.verifiedMethods ??
              (record.verifiedChannel === undefined ? [] : [record.verifiedChannel]),
            continueTo: record.returnTo ?? config.defaultReturnTo,
            requirementMet: requirementMet(record, now, config.channels),
          },
        }),
    ...(pending === undefined
      ? {}
      : {
          pending: {
            channel: pending.channel,
            ...(pending.factorId === undefined ? {} : { factor: pending.factorId }),
            maskedDestination: pending.maskedDestination,
            attemptsLeft: attemptsLeft(pending),
            sentAt: pending.sentAt,
            resendInSeconds: Math.max(0, Math.ceil((pending.sentAt + config.resendAfterMs - now) / 1000)),
          },
        }),
  };
  const other = base.totp !== undefined || base.passkey?.available === true;
  if (channels.length === 0 && pending === undefined && !other) return { ...base, state: "no_channel" };
  if (lock.locked) return { ...base, state: "locked", lockedForSeconds: lock.retryAfterSeconds };
  if (pending !== undefined && attemptsLeft(pending) > 0) return { ...base, state: "pending" };
  if (base.verified?.requirementMet === true) return { ...base, state: "verified" };
  return base;
}

/**
 * The challenge state as JSON (GET in JSON mode, and the answer to send and cancel): what an SPA
 * needs to draw its own page, with the CSRF token to post back. No code, no full destination.
 * @example
 * return context.respond.json(200, challengeJson(data));
 */
export function challengeJson(data: ChallengeData): Record<string, unknown> {
  return {
    state: data.state,
    verified: data.state === "verified",
    verifiedAt: data.verified?.verifiedAt ?? null,
    channels: data.channels,
    phones: data.phones,
    pending: data.pending ?? null,
    lockedForSeconds: data.lockedForSeconds ?? null,
    notice: data.notice?.kind ?? null,
    csrfToken: data.csrfToken,
    actions: data.totp === undefined ? data.actions : { ...data.actions, totp: data.totp.action },
    codeLength: data.codeLength,
    passkey:
      data.passkey === undefined
        ? null
        : { available: data.passkey.available, only: data.passkey.only, actions: data.passkey.actions },
    recovery: data.recovery ?? null,
    totp: data.totp !== undefined,
  };
}

/**
 * The challenge page, or its JSON state, with `status`.
 * @example
 * return showChallenge(context, record, lock, 200);
 */
export function showChallenge(
  context: FlowContext,
  record: SecondFactorRecord,
  lock: LockStatus,
  status: number,
  error?: PageError,
): Decision {
  const data = challengeData(context, record, lock, error);
  if (!context.json) return context.respond.challenge(data, status);
  if (error === undefined) return context.respond.json(status, challengeJson(data));
  return context.respond.json(status, {
    error: error.error,
    message: error.message,
    ...(error.field === null ? {} : { field: error.field }),
  });
}
