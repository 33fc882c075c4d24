/**
 * Where a session stands with the second factor, for apps to show ("passed at 14:03 by text message").
 * Read-only and for display: the guards decide access, never this. It reports what a guard would
 * decide from the same record on the same clock, and never a code or a full destination (rule 10).
 */
import { parseDuration } from "./duration.js";
import { describeValue, invalidOption, isPlainObject, rejectUnknownKeys } from "./options/checks.js";
import type { Channel } from "./providers/index.js";
import {
  acceptedMethods,
  isVerifiedFor,
  METHODS,
  type Method,
  type PendingChallenge,
  pendingChannels,
  readRecord,
  type SecondFactorRecord,
} from "./record/index.js";

/** Every method but a trusted device, which never opens a step-up window (rule 13). */
const STEP_UP_METHODS: readonly Method[] = Object.freeze(
  METHODS.filter((method) => method !== "trusted_device"),
);

/**
 * The code a session is waiting for: by which channel it went last (and every channel it went out
 * on), and where, masked.
 * @example
 * const pending: PendingStatus = { channel: "sms", channels: ["sms"], maskedDestination: "•••• •••• 2661" };
 */
export interface PendingStatus {
  /** The channel of the last send. */
  readonly channel: Channel;
  /** Every channel this code went out on (a switch of channel keeps the code). */
  readonly channels: readonly Channel[];
  /** The destination as pages show it, e.g. `•••• •••• 2661`; never the full number or address. */
  readonly maskedDestination: string;
}

/**
 * A session that has not passed the second factor (or whose record is void: another user's, of an
 * unknown version, of a bad shape, or no user at all).
 * @example
 * const status: NotVerifiedStatus = { verified: false, pending: null };
 */
export interface NotVerifiedStatus {
  readonly verified: false;
  /** The code this session is waiting for, or `null`. */
  readonly pending: PendingStatus | null;
}

/**
 * A session that has passed the second factor: `requireSecondFactor()` lets it through.
 * @example
 * const status: VerifiedStatus = { verified: true, verifiedAt: new Date(), channel: "sms", methods: ["sms"], phishingResistant: false, pending: null };
 */
export interface VerifiedStatus {
  readonly verified: true;
  /** When it was last passed, on the app's clock (the `now` option). */
  readonly verifiedAt: Date;
  /** The channel the approved code was last sent over; `null` when another method passed it (see `methods`). */
  readonly channel: Channel | null;
  /**
   * Every method the approved proof went out on: all channels its code was sent over (DESIGN §4
   * rule 2), or the other method that passed it (`totp`, `passkey`, ...); a route whose `methods`
   * refuses any of them is not met.
   */
  readonly methods: readonly Method[];
  /**
   * Whether the proof was phishing-resistant (DESIGN §4 rule 14): a passkey, bound to the site's
   * origin. What `requireSecondFactor({ phishingResistant: true })` asks for.
   */
  readonly phishingResistant: boolean;
  /** A newer code this session is waiting for (e.g. sent by a step-up), or `null`. */
  readonly pending: PendingStatus | null;
}

/**
 * What a status asked with `maxAge` adds to a verified session: whether a step-up with that `maxAge`
 * (`requireSecondFactor({ maxAge })`) would let it through now, and until when.
 * @example
 * const window: StepUpWindow = { stepUpOpen: true, stepUpOpenUntil: new Date(Date.now() + 300_000) };
 */
export interface StepUpWindow {
  /** Whether a step-up guard with this `maxAge` lets the session through now. */
  readonly stepUpOpen: boolean;
  /** `verifiedAt + maxAge`: when the window closes, or closed (it may be in the past). */
  readonly stepUpOpenUntil: Date;
}

/**
 * Where a session stands with the second factor: `{ verified: false, pending }` or
 * `{ verified: true, verifiedAt, channel, methods, pending }`.
 * @example
 * const status: SecondFactorStatus = await mfa.status(req);
 * if (status.verified) console.log(`passed at ${status.verifiedAt.toISOString()} by ${status.channel}`);
 */
export type SecondFactorStatus = NotVerifiedStatus | VerifiedStatus;

/**
 * A {@link SecondFactorStatus} asked with `maxAge`: a verified session also says whether that step-up
 * is open (`stepUpOpen`) and until when (`stepUpOpenUntil`).
 * @example
 * const status: SecondFactorStepUpStatus = await mfa.status(req, { maxAge: "5m" });
 * const canTransfer = status.verified && status.stepUpOpen;
 */
export type SecondFactorStepUpStatus = NotVerifiedStatus | (VerifiedStatus & StepUpWindow);

/**
 * Options of a status: `maxAge`, the step-up window to report on (`"5m"`, `"30s"`, or ms), as given to
 * `requireSecondFactor({ maxAge })`.
 * @default {} (no step-up window reported)
 * @example
 * const options: SecondFactorStatusOptions = { maxAge: "5m" };
 */
export interface SecondFactorStatusOptions {
  /** The step-up window to report on, as in `requireSecondFactor({ maxAge })`. @default undefined */
  maxAge?: string | number | undefined;
}

/**
 * Where the session stands with the second factor, from the raw value the session holds under the
 * record's key, the current user's id (`null` when nobody is logged in) and the app's clock (ms). A
 * record of another user, of an unknown version or of a bad shape counts as not verified. The adapters'
 * `mfa.status(req)` calls this for you; use it directly with the core alone.
 * @throws `ERR_SF_INVALID_OPTION` when `options` is not `{ maxAge? }` or `maxAge` is not a duration.
 * @example
 * secondFactorStatus(session.secondFactor, user.id, Date.now());
 * // { verified: true, verifiedAt: Date, channel: "sms", methods: ["sms"], phishingResistant: false, pending: null }
 * secondFactorStatus(session.secondFactor, user.id, Date.now(), { maxAge: "5m" });
 * // { verified: true, ..., stepUpOpen: true, stepUpOpenUntil: Date }
 */
export function secondFactorStatus(
  raw: unknown,
  userId: string | null,
  now: number,
  options: SecondFactorStatusOptions & { maxAge: string | number },
): SecondFactorStepUpStatus;
export function secondFactorStatus(
  raw: unknown,
  userId: string | null,
  now: number,
  options?: SecondFactorStatusOptions,
): SecondFactorStatus;
export function secondFactorStatus(
  raw: unknown,
  userId: string | null,
  now: number,
  options?: SecondFactorStatusOptions,
): SecondFactorStatus | SecondFactorStepUpStatus {
  const maxAgeMs = parseStatusOptions(options);
  if (typeof now !== "number" || !Number.isFinite(now)) {
    throw invalidOption("now", describeValue(now), "pass the app clock's time in milliseconds");
  }
  if (typeof userId !== "string" || userId.length === 0) return notVerified(null);
  return statusOfRecord(readRecord(raw, userId), now, maxAgeMs);
}

/**
 * Validates the options of a status and returns its `maxAge` in ms (`undefined` when not asked).
 * @example
 * parseStatusOptions({ maxAge: "5m" }); // 300000
 */
export function parseStatusOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (!isPlainObject(options)) {
    throw invalidOption("status options", describeValue(options), 'pass { maxAge: "5m" } or nothing');
  }
  rejectUnknownKeys(options, ["maxAge"], "status.");
  return options.maxAge === undefined ? undefined : parseDuration(options.maxAge, "maxAge");
}

/**
 * The status of a record already read with `readRecord` (`undefined`: none, or void). `channels`: the
 * instance's configured channels, whose {@link acceptedMethods} a guard without its own `methods`
 * accepts (any method when `undefined`, as for {@link secondFactorStatus} without an instance; a
 * step-up window is never open to a trusted device, rule 13).
 * @default channels undefined
 * @example
 * statusOfRecord(readRecord(session.readRecord(), user.id), config.now(), 300_000, config.channels);
 */
export function statusOfRecord(
  record: SecondFactorRecord | undefined,
  now: number,
  maxAgeMs: number | undefined,
  channels?: readonly Channel[],
): SecondFactorStatus | SecondFactorStepUpStatus {
  if (record === undefined) return notVerified(null);
  const pending = pendingStatus(record.pending);
  const { verifiedAt, verifiedChannel } = record;
  const methods = record.verifiedMethods ?? (verifiedChannel === undefined ? undefined : [verifiedChannel]);
  // Verified exactly when requireSecondFactor() would pass: the same check, on the same clock.
  if (
    verifiedAt === undefined ||
    methods === undefined ||
    !isVerifiedFor(record, record.userId, now, undefined, channels && acceptedMethods(channels, false))
  ) {
    return notVerified(pending);
  }
  const verified: VerifiedStatus = {
    verified: true,
    verifiedAt: new Date(verifiedAt),
    channel: verifiedChannel ?? null,
    methods: [...methods],
    phishingResistant: methods.every((method) => method === "passkey"),
    pending,
  };
  if (maxAgeMs === undefined) return verified;
  return {
    ...verified,
    // Rule 9: the step-up window is measured on the app's clock from the moment the factor was passed.
    stepUpOpen: isVerifiedFor(
      record,
      record.userId,
      now,
      maxAgeMs,
      channels === undefined ? STEP_UP_METHODS : acceptedMethods(channels, true),
    ),
    stepUpOpenUntil: new Date(verifiedAt + maxAgeMs),
  };
}

function notVerified(pending: PendingStatus | null): NotVerifiedStatus {
  return { verified: false, pending };
}

/** Only the channel and the masked destination: never the Verify SID, the destination key or a code. */
function pendingStatus(pending: PendingChallenge | undefined): PendingStatus | null {
  return pending === undefined
    ? null
    : {
        channel: pending.channel,
        channels: [...pendingChannels(pending)],
        maskedDestination: pending.maskedDestination,
      };
}
