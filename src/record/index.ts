import { randomBytes } from "node:crypto";
import { type PasskeyChallenge, readPasskeyChallenge } from "../factors/passkey/passkey-challenge.js";
import { CHANNELS, type Channel } from "../providers/index.js";
import { newCsrfToken } from "./csrf.js";
import { safeReturnTo } from "./return-to.js";

/**
 * The schema version of {@link SecondFactorRecord}; a record of any other version is void.
 * @default 1
 * @example
 * if (record.v !== RECORD_VERSION) return undefined;
 */
export const RECORD_VERSION = 1;

/**
 * Checks Twilio Verify allows on one verification before it dies (`max_attempts`).
 * @default 5
 * @example
 * const left = CHECKS_PER_VERIFICATION - pending.checksUsed;
 */
export const CHECKS_PER_VERIFICATION = 5;

/**
 * How a session can pass the second factor (DESIGN §4): a code by one of the {@link Channel}s, an
 * authenticator app, a passkey, a recovery code or a trusted device.
 * @example
 * const method: Method = "sms";
 */
export type Method = Channel | "totp" | "passkey" | "recovery" | "trusted_device";

/**
 * Every {@link Method}, for validation.
 * @example
 * METHODS.includes("totp"); // true
 */
export const METHODS: readonly Method[] = [...CHANNELS, "totp", "passkey", "recovery", "trusted_device"];

/**
 * The methods a route accepts when its policy names none: the instance's channels, an authenticator
 * app, a passkey and a recovery code, and (rule 13) a trusted device only where no step-up age is
 * asked. Frozen and made once per guard, so the hot path allocates nothing.
 * @example
 * acceptedMethods(["sms", "call"], false); // ["sms", "call", "totp", "passkey", "recovery", "trusted_device"]
 */
export function acceptedMethods(instanceChannels: readonly Channel[], stepUp: boolean): readonly Method[] {
  const others: readonly Method[] = stepUp
    ? ["totp", "passkey", "recovery"]
    : ["totp", "passkey", "recovery", "trusted_device"];
  return Object.freeze([...instanceChannels, ...others]);
}

/** A clock difference between instances tolerated for `verifiedAt` (a later one is void). */
const CLOCK_SKEW_MS = 60_000;

/**
 * A one-time message shown by the next challenge page (post/redirect/get).
 * @example
 * const notice: Notice = "wrong_code";
 */
export type Notice =
  | "sent"
  | "resent"
  | "wrong_code"
  | "expired"
  | "too_many_attempts"
  | "canceled"
  | "factor_added"
  | "factor_removed"
  | "enrolment_canceled"
  | "recovery_used"
  | "totp_added";

const NOTICES: readonly Notice[] = [
  "sent",
  "resent",
  "wrong_code",
  "expired",
  "too_many_attempts",
  "canceled",
  "factor_added",
  "factor_removed",
  "enrolment_canceled",
  "recovery_used",
  "totp_added",
];

/**
 * The code this session is waiting for: where it went and how many checks its verification has had.
 * @example
 * const pending: PendingChallenge = { sid: "VE...", channel: "sms", channels: ["sms"], maskedDestination: "•••• •••• 2661", destinationKey, sentAt: Date.now(), checksUsed: 0 };
 */
export interface PendingChallenge {
  /** The provider's verification id (Twilio `VE...`); checks go by this, never by destination. */
  readonly sid: string;
  /** The channel of the last send. */
  readonly channel: Channel;
  /**
   * Every channel this verification's code went out on (Twilio keeps the SID and the code when a
   * pending verification is re-sent over another channel), in the order first used. Records written
   * before this field existed hold only `channel`: see {@link pendingChannels}.
   */
  readonly channels?: readonly Channel[];
  /** The destination as pages show it, e.g. `•••• •••• 2661`. */
  readonly maskedDestination: string;
  /** The factor the code went to (a store id, or `on_file_phone` / `on_file_email`); absent in older records. */
  readonly factorId?: string;
  /** HMAC of the destination: a changed phone number or e-mail address voids the challenge. */
  readonly destinationKey: string;
  /** When the last code was sent (app clock, ms). */
  readonly sentAt: number;
  /** Checks made on this `sid` (a resend keeps them: attempts left are per verification). */
  readonly checksUsed: number;
}

/**
 * The schema version of {@link PendingEnrolment}; an enrolment of any other version is void.
 * @default 1
 * @example
 * const enrolment: PendingEnrolment = { v: ENROLMENT_VERSION, ... };
 */
export const ENROLMENT_VERSION = 1;

/**
 * A phone or address being enrolled (rule 11): the code went to it, and it is added only when the
 * provider approves that code. Kept in the session (server-side), never sent to the browser.
 * @example
 * const enrolment: PendingEnrolment = { v: 1, kind: "phone", destination: "+15017122661", channel: "sms", channels: ["sms"], sid: "VE...", maskedDestination: "•••• •••• 2661", sentAt: Date.now(), checksUsed: 0 };
 */
export interface PendingEnrolment {
  readonly v: typeof ENROLMENT_VERSION;
  readonly kind: "phone" | "email";
  /** E.164, or the address: what is added once the code is approved. */
  readonly destination: string;
  /** The channel of the last send. */
  readonly channel: Channel;
  /** Every channel the code went out on. */
  readonly channels: readonly Channel[];
  /** The provider's verification id; checks go by this. */
  readonly sid: string;
  readonly maskedDestination: string;
  readonly sentAt: number;
  readonly checksUsed: number;
}

/**
 * The schema version of {@link PendingTotpSetup}; a set-up of any other version is void.
 * @default 1
 * @example
 * const setup: PendingTotpSetup = { v: TOTP_SETUP_VERSION, ... };
 */
export const TOTP_SETUP_VERSION = 1;

/**
 * An authenticator app being added (rule 11): added only when a code of its new secret is checked.
 * Nothing in it is readable without the app's key: `shown` is the sealed secret and URI the set-up
 * page shows, `stored` the secret sealed for the store (or the Twilio factor SID).
 * @example
 * const setup: PendingTotpSetup = { v: 1, shown: "v1.k...", stored: { type: "encrypted", ciphertext: "v1.k..." }, startedAt: Date.now(), checksUsed: 0 };
 */
export interface PendingTotpSetup {
  readonly v: typeof TOTP_SETUP_VERSION;
  /** The secret (Base32) and the `otpauth://` URI, sealed (AES-256-GCM) for this user. */
  readonly shown: string;
  readonly stored:
    | { readonly type: "encrypted"; readonly ciphertext: string }
    | { readonly type: "twilio"; readonly factorSid: string };
  /** When the secret was made (app clock, ms): it is void after a while. */
  readonly startedAt: number;
  /** Wrong codes given for this secret (five end it). */
  readonly checksUsed: number;
}

/**
 * What the route that sent the user here asked for (cleared once the second factor is passed).
 * @example
 * const requirement: Requirement = { maxAgeMs: 300_000, channels: ["sms"] };
 */
export interface Requirement {
  /** Step-up: the largest age of `verifiedAt` the route accepts, in ms. */
  readonly maxAgeMs?: number;
  /** The methods the route accepts (the policy's `methods`, or its alias `channels`). */
  readonly channels?: readonly Method[];
}

/**
 * The second-factor record kept in the app's session (DESIGN §4). Plain JSON, so any session store
 * can keep it. Counters and single-use markers are not here: they live in the budget store.
 * @example
 * const record: SecondFactorRecord | undefined = readRecord(req.session.secondFactor, user.id);
 */
export interface SecondFactorRecord {
  readonly v: typeof RECORD_VERSION;
  /** The user this record belongs to; for anyone else it is void (rule 1). */
  readonly userId: string;
  /** A random key of this record, counting the per-session budget (never the session id). */
  readonly key: string;
  /** The CSRF token every state-changing flow request must carry (rule 6). */
  readonly csrf: string;
  /** When the second factor was last passed, on the app's clock (rule 9). */
  readonly verifiedAt?: number;
  /**
   * The channel of the last send of the code that passed it (what `status().channel` reports); absent
   * when another method passed it (then `verifiedMethods` says which).
   */
  readonly verifiedChannel?: Channel;
  /**
   * Every method the proof that passed it went out on: all channels the approved code was sent over
   * (rule 2). A route that refuses any of them is not met. Absent in records written before it
   * existed, which count as `[verifiedChannel]`.
   */
  readonly verifiedMethods?: readonly Method[];
  readonly pending?: PendingChallenge;
  /** A phone or address being enrolled from the settings page. */
  readonly enrolment?: PendingEnrolment;
  /** An authenticator app being added from the settings page. */
  readonly totpSetup?: PendingTotpSetup;
  /** Where to go after passing: the GET the guard intercepted (rule 5). */
  readonly returnTo?: string;
  readonly requirement?: Requirement;
  readonly notice?: Notice;
  /** Sends this record has made: two submits of the same page state share one send marker. */
  readonly sends?: number;
  /** The WebAuthn challenge this session made (registration or authentication), until it is answered (rule 3). */
  readonly passkeyChallenge?: PasskeyChallenge;
}

/**
 * A fresh record for `userId`, with a new CSRF token and budget key.
 * @example
 * session.writeRecord(newRecord(user.id));
 */
export function newRecord(userId: string): SecondFactorRecord {
  return { v: RECORD_VERSION, userId, key: randomBytes(16).toString("base64url"), csrf: newCsrfToken() };
}

/**
 * Every channel a pending challenge's code went out on.
 * @example
 * pendingChannels({ ...pending, channel: "sms" }); // ["whatsapp", "sms"] after a switch, or ["sms"]
 */
export function pendingChannels(pending: PendingChallenge): readonly Channel[] {
  return pending.channels ?? [pending.channel];
}

/**
 * The hot path of the guard: whether `raw` (the value in the session) is a record of `userId` that
 * passed the second factor at most `maxAgeMs` ago (any time when `undefined`) by methods all of which
 * are in `channels` (any when `undefined`). Reads fields only; allocates nothing.
 * @example
 * if (isVerifiedFor(session.readRecord(), user.id, Date.now(), 300_000, undefined)) return NEXT;
 */
export function isVerifiedFor(
  raw: unknown,
  userId: string,
  now: number,
  maxAgeMs: number | undefined,
  channels: readonly Method[] | undefined,
): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const record = raw as Partial<Record<keyof SecondFactorRecord, unknown>>;
  // Rule 1: a record of another user is void (logout, then login as someone else).
  if (record.v !== RECORD_VERSION || record.userId !== userId) return false;
  const verifiedAt = record.verifiedAt;
  if (typeof verifiedAt !== "number" || !Number.isFinite(verifiedAt)) return false;
  // Written so that a clock gone wrong (NaN) fails every comparison and so refuses.
  if (!(verifiedAt <= now + CLOCK_SKEW_MS)) return false;
  // Rule 9: step-up age is measured on the app's clock from the moment the factor was passed.
  if (maxAgeMs !== undefined && !(now - verifiedAt <= maxAgeMs)) return false;
  return channels === undefined || methodsWithin(record.verifiedMethods, record.verifiedChannel, channels);
}

/** Rule 2: a route is met only when every method the proof went out on is one it accepts. */
function methodsWithin(methods: unknown, lastChannel: unknown, channels: readonly Method[]): boolean {
  if (methods === undefined) return channels.includes(lastChannel as Channel);
  if (!Array.isArray(methods) || methods.length === 0) return false;
  for (let index = 0; index < methods.length; index += 1) {
    if (!channels.includes(methods[index] as Channel)) return false;
  }
  return true;
}

/**
 * The record in the session when it is well-formed, of this version and of `userId`; otherwise
 * `undefined` (void: a bad shape is treated as no record, never trusted in part).
 * @example
 * const record = readRecord(session.readRecord(), user.id) ?? newRecord(user.id);
 */
export function readRecord(raw: unknown, userId: string): SecondFactorRecord | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  if (record.v !== RECORD_VERSION || record.userId !== userId) return undefined;
  if (!isToken(record.key) || !isToken(record.csrf)) return undefined;
  if (record.verifiedAt !== undefined || record.verifiedChannel !== undefined) {
    if (!isTime(record.verifiedAt)) return undefined;
    // A pass by a code names its channel; a pass by another method names it in verifiedMethods.
    if (
      record.verifiedChannel === undefined
        ? record.verifiedMethods === undefined
        : !isChannel(record.verifiedChannel)
    ) {
      return undefined;
    }
  }
  if (record.verifiedMethods !== undefined) {
    if (record.verifiedAt === undefined || !isMethodList(record.verifiedMethods)) return undefined;
  }
  if (record.pending !== undefined && !isPending(record.pending)) return undefined;
  if (record.enrolment !== undefined && !isEnrolment(record.enrolment)) return undefined;
  if (record.totpSetup !== undefined && !isTotpSetup(record.totpSetup)) return undefined;
  if (record.returnTo !== undefined && checkedReturnTo(record.returnTo) === undefined) return undefined;
  if (record.requirement !== undefined && !isRequirement(record.requirement)) return undefined;
  if (record.notice !== undefined && !NOTICES.includes(record.notice as Notice)) return undefined;
  if (record.passkeyChallenge !== undefined && readPasskeyChallenge(record.passkeyChallenge) === undefined) {
    return undefined;
  }
  if (record.sends !== undefined && !(Number.isSafeInteger(record.sends) && (record.sends as number) >= 0)) {
    return undefined;
  }
  return raw as SecondFactorRecord;
}

/** The last text {@link checkedReturnTo} accepted. */
let lastAcceptedReturnTo: string | undefined;

/**
 * `safeReturnTo` (DESIGN §4 rule 5), remembering the last text it accepted: the same return-to read
 * again (by every refused request of a session, by each step of the flow) needs no second URL parse.
 * Sound because `safeReturnTo` depends on its argument alone.
 * @example
 * const returnTo = checkedReturnTo(request.url); // "/account?tab=2", or undefined
 */
export function checkedReturnTo(value: unknown): string | undefined {
  if (typeof value === "string" && value === lastAcceptedReturnTo) return value;
  const safe = safeReturnTo(value);
  if (safe !== undefined) lastAcceptedReturnTo = safe;
  return safe;
}

/**
 * Whether a record's `requirement` (set by the guard that sent the user here) is met now; a
 * requirement without channels accepts {@link acceptedMethods} of `instanceChannels`.
 * @example
 * const done = requirementMet(record, Date.now(), config.channels);
 */
export function requirementMet(
  record: SecondFactorRecord,
  now: number,
  instanceChannels: readonly Channel[],
): boolean {
  const maxAgeMs = record.requirement?.maxAgeMs;
  return isVerifiedFor(
    record,
    record.userId,
    now,
    maxAgeMs,
    record.requirement?.channels ?? acceptedMethods(instanceChannels, maxAgeMs !== undefined),
  );
}

/**
 * Attempts left on the pending verification (never reset by a resend of the same verification).
 * @example
 * attemptsLeft(record.pending); // 5 after a send, 4 after one wrong code
 */
export function attemptsLeft(pending: Pick<PendingChallenge, "checksUsed">): number {
  return Math.max(0, CHECKS_PER_VERIFICATION - pending.checksUsed);
}

/**
 * A copy of `record` without the given optional fields (records are immutable values).
 * @example
 * session.writeRecord(withoutFields(record, "pending", "notice"));
 */
export function withoutFields(
  record: SecondFactorRecord,
  ...fields: readonly (keyof SecondFactorRecord)[]
): SecondFactorRecord {
  const copy: Record<string, unknown> = { ...record };
  for (const field of fields) delete copy[field];
  return copy as unknown as SecondFactorRecord;
}

function isPending(value: unknown): value is PendingChallenge {
  if (typeof value !== "object" || value === null) return false;
  const pending = value as Record<string, unknown>;
  return (
    typeof pending.sid === "string" &&
    pending.sid.length > 0 &&
    pending.sid.length <= 128 &&
    isChannel(pending.channel) &&
    (pending.channels === undefined ||
      (isChannelList(pending.channels) && pending.channels.includes(pending.channel))) &&
    typeof pending.maskedDestination === "string" &&
    pending.maskedDestination.length <= 128 &&
    (pending.factorId === undefined || isFactorId(pending.factorId)) &&
    isToken(pending.destinationKey) &&
    isTime(pending.sentAt) &&
    typeof pending.checksUsed === "number" &&
    Number.isInteger(pending.checksUsed) &&
    pending.checksUsed >= 0 &&
    pending.checksUsed <= CHECKS_PER_VERIFICATION
  );
}

function isEnrolment(value: unknown): value is PendingEnrolment {
  if (typeof value !== "object" || value === null) return false;
  const enrolment = value as Record<string, unknown>;
  const destination = enrolment.destination;
  const destinationOk =
    typeof destination === "string" &&
    (enrolment.kind === "phone"
      ? /^\+[1-9][0-9]{6,14}$/.test(destination)
      : enrolment.kind === "email" && destination.includes("@") && destination.length <= 254);
  return (
    enrolment.v === ENROLMENT_VERSION &&
    destinationOk &&
    isChannel(enrolment.channel) &&
    isChannelList(enrolment.channels) &&
    enrolment.channels.includes(enrolment.channel) &&
    typeof enrolment.sid === "string" &&
    enrolment.sid.length > 0 &&
    enrolment.sid.length <= 128 &&
    typeof enrolment.maskedDestination === "string" &&
    enrolment.maskedDestination.length <= 128 &&
    isTime(enrolment.sentAt) &&
    typeof enrolment.checksUsed === "number" &&
    Number.isInteger(enrolment.checksUsed) &&
    enrolment.checksUsed >= 0 &&
    enrolment.checksUsed <= CHECKS_PER_VERIFICATION
  );
}

function isTotpSetup(value: unknown): value is PendingTotpSetup {
  if (typeof value !== "object" || value === null) return false;
  const setup = value as Record<string, unknown>;
  const stored = setup.stored as Record<string, unknown> | null | undefined;
  const storedOk =
    typeof stored === "object" &&
    stored !== null &&
    (stored.type === "encrypted"
      ? typeof stored.ciphertext === "string" && stored.ciphertext.length <= 512
      : stored.type === "twilio" && typeof stored.factorSid === "string" && stored.factorSid.length <= 64);
  return (
    setup.v === TOTP_SETUP_VERSION &&
    typeof setup.shown === "string" &&
    setup.shown.length <= 4096 &&
    storedOk &&
    isTime(setup.startedAt) &&
    typeof setup.checksUsed === "number" &&
    Number.isInteger(setup.checksUsed) &&
    setup.checksUsed >= 0 &&
    setup.checksUsed <= CHECKS_PER_VERIFICATION
  );
}

function isRequirement(value: unknown): value is Requirement {
  if (typeof value !== "object" || value === null) return false;
  const requirement = value as Record<string, unknown>;
  if (requirement.maxAgeMs !== undefined && !isTime(requirement.maxAgeMs)) return false;
  return requirement.channels === undefined || isMethodList(requirement.channels);
}

function isChannelList(value: unknown): value is readonly Channel[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= CHANNELS.length &&
    value.every(isChannel) &&
    new Set(value).size === value.length
  );
}

function isMethodList(value: unknown): value is readonly Method[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= METHODS.length &&
    value.every((method) => METHODS.includes(method)) &&
    new Set(value).size === value.length
  );
}

function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && CHANNELS.includes(value as Channel);
}

function isFactorId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 128;
}

function isToken(value: unknown): value is string {
  return typeof value === "string" && value.length >= 16 && value.length <= 128;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
