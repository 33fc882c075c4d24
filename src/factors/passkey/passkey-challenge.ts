/**
 * The WebAuthn challenge: made for one session and used once (DESIGN §4 rule 3). The record lives in
 * the session's second-factor record; the single use is decided by a marker in the budget store, so
 * that two concurrent requests of one session (or a replayed cookie) cannot both use it.
 */
import { randomBytes } from "node:crypto";
import { storeUnavailable } from "../../errors.js";

/**
 * Which ceremony a challenge was made for; a challenge of one is never accepted by the other.
 * @example
 * const ceremony: PasskeyCeremony = "authentication";
 */
export type PasskeyCeremony = "registration" | "authentication";

/**
 * A challenge as the session keeps it (plain JSON).
 * @example
 * const challenge: PasskeyChallenge = newPasskeyChallenge("authentication", Date.now());
 */
export interface PasskeyChallenge {
  readonly ceremony: PasskeyCeremony;
  /** 32 random bytes, base64url: what the authenticator signs (in `clientDataJSON.challenge`). */
  readonly value: string;
  /** When it was made (app clock, ms). */
  readonly createdAt: number;
  /** After this moment (app clock, ms) it is refused. */
  readonly expiresAt: number;
}

/**
 * How long a challenge may be answered, in ms: long enough to touch a security key or unlock a
 * phone, short enough that a challenge left in a session is soon worthless.
 * @default 180000 (3 minutes)
 * @example
 * const challenge = newPasskeyChallenge("registration", now, PASSKEY_CHALLENGE_LIFETIME_MS);
 */
export const PASSKEY_CHALLENGE_LIFETIME_MS = 180_000;

/**
 * The longest lifetime accepted, in ms: a record claiming longer was not made by this library.
 * @default 600000 (10 minutes)
 * @example
 * newPasskeyChallenge("authentication", now, MAX_PASSKEY_CHALLENGE_LIFETIME_MS);
 */
export const MAX_PASSKEY_CHALLENGE_LIFETIME_MS = 600_000;

/** A clock difference between instances tolerated for `createdAt` (a later one is void). */
const CLOCK_SKEW_MS = 60_000;
const CHALLENGE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Makes a new challenge (32 bytes from `crypto.randomBytes`) for the session to keep.
 * @default lifetimeMs {@link PASSKEY_CHALLENGE_LIFETIME_MS}
 * @example
 * const challenge = newPasskeyChallenge("authentication", now());
 * record = { ...record, passkeyChallenge: challenge };
 */
export function newPasskeyChallenge(
  ceremony: PasskeyCeremony,
  now: number,
  lifetimeMs: number = PASSKEY_CHALLENGE_LIFETIME_MS,
): PasskeyChallenge {
  if (!Number.isInteger(lifetimeMs) || lifetimeMs <= 0 || lifetimeMs > MAX_PASSKEY_CHALLENGE_LIFETIME_MS) {
    throw new RangeError(
      `second-factor: a passkey challenge lifetime must be a whole number of ms from 1 to ${MAX_PASSKEY_CHALLENGE_LIFETIME_MS}; got ${lifetimeMs}.`,
    );
  }
  return {
    ceremony,
    value: randomBytes(32).toString("base64url"),
    createdAt: now,
    expiresAt: now + lifetimeMs,
  };
}

/**
 * Reads a challenge back from session data: anything that is not a well-formed challenge record is
 * `undefined` (a session is JSON that another version, or a bug, may have written).
 * @example
 * const challenge = readPasskeyChallenge(record.passkeyChallenge);
 */
export function readPasskeyChallenge(value: unknown): PasskeyChallenge | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { ceremony, value: text, createdAt, expiresAt } = value as Record<string, unknown>;
  if (ceremony !== "registration" && ceremony !== "authentication") return undefined;
  if (typeof text !== "string" || !CHALLENGE_VALUE.test(text)) return undefined;
  if (typeof createdAt !== "number" || typeof expiresAt !== "number") return undefined;
  if (!Number.isFinite(createdAt) || !Number.isFinite(expiresAt)) return undefined;
  if (expiresAt <= createdAt || expiresAt - createdAt > MAX_PASSKEY_CHALLENGE_LIFETIME_MS) return undefined;
  return { ceremony, value: text, createdAt, expiresAt };
}

/**
 * The single-use markers of the budget store (`limits.claimOnce`): true for exactly one caller per
 * key within `ttlMs`, across every instance sharing the store.
 * @example
 * const markers: SingleUseMarkers = { claimOnce: (key, ttlMs) => limits.claimOnce(key, ttlMs) };
 */
export interface SingleUseMarkers {
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * Why a challenge cannot be used: none in the session (or not for this ceremony), past its expiry, or
 * already used by another request.
 * @example
 * if (result.reason === "expired") askToTryAgain();
 */
export type ChallengeRefusal = "no_challenge" | "expired" | "used";

/**
 * The outcome of {@link consumePasskeyChallenge}.
 * @example
 * const result: ChallengeUse = await consumePasskeyChallenge(record.passkeyChallenge, "authentication", now, markers);
 */
export type ChallengeUse =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: ChallengeRefusal };

/**
 * Uses a challenge once: checks that the session holds one for this ceremony and that it has not
 * expired, then claims it in the budget store, atomically, so that of any number of requests that
 * present it, one gets `ok: true`. The caller removes it from the session record whatever the outcome
 * (an answered challenge is spent even if the answer was wrong). A failing store rejects with
 * `ERR_SF_STORE_UNAVAILABLE` (fail closed, rule 8).
 * @example
 * const use = await consumePasskeyChallenge(record.passkeyChallenge, "authentication", now(), limits);
 * if (!use.ok) return refuse(use.reason);
 */
export async function consumePasskeyChallenge(
  stored: unknown,
  ceremony: PasskeyCeremony,
  now: number,
  markers: SingleUseMarkers,
): Promise<ChallengeUse> {
  const challenge = readPasskeyChallenge(stored);
  if (
    challenge === undefined ||
    challenge.ceremony !== ceremony ||
    challenge.createdAt > now + CLOCK_SKEW_MS
  ) {
    return { ok: false, reason: "no_challenge" };
  }
  if (now >= challenge.expiresAt) return { ok: false, reason: "expired" };
  let claimed: boolean;
  try {
    // The marker outlives the challenge (plus the skew), so no clock difference can reopen it.
    claimed = await markers.claimOnce(
      `passkey-challenge:${challenge.value}`,
      challenge.expiresAt - now + CLOCK_SKEW_MS,
    );
  } catch (error) {
    throw storeUnavailable(error, "the budget store");
  }
  return claimed ? { ok: true, value: challenge.value } : { ok: false, reason: "used" };
}
