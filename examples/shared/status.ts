/**
 * What the examples' pages show about the second factor: whether and when this session passed it,
 * and whether the step-up window of `/transfer` is still open. Read from the library's record in the
 * session; display only (the guards decide access, never this).
 */
import type { SecondFactorRecord } from "../../src/index.js";

/**
 * The session key the library keeps its record under (its `sessionKey` default).
 * @default "secondFactor"
 * @example
 * secondFactorStatus(req.session[RECORD_SESSION_KEY], user.id, Date.now(), 300_000);
 */
export const RECORD_SESSION_KEY = "secondFactor";

/** Where this session stands with the second factor. */
export type SecondFactorStatus =
  | { readonly verified: false }
  | {
      readonly verified: true;
      /** When it was passed, on the app's clock (ms). */
      readonly verifiedAt: number;
      /** `sms` or `call`. */
      readonly channel: string;
      /** How long ago, in ms. */
      readonly agoMs: number;
      /** When the step-up window of `/transfer` closes (ms). */
      readonly stepUpClosesAt: number;
      /** Whether `/transfer` would let this session in now. */
      readonly stepUpOpen: boolean;
    };

/**
 * Reads the record the library keeps in the session. A record of another user, of an unknown version
 * or of a bad shape counts as "not verified", as it does for the library.
 * @example
 * const status = secondFactorStatus(req.session.secondFactor, user.id, Date.now(), 300_000);
 */
export function secondFactorStatus(
  raw: unknown,
  userId: string,
  now: number,
  stepUpMaxAgeMs: number,
): SecondFactorStatus {
  if (typeof raw !== "object" || raw === null) return { verified: false };
  const record = raw as Partial<Record<keyof SecondFactorRecord, unknown>>;
  const { verifiedAt, verifiedChannel } = record;
  if (record.v !== 1 || record.userId !== userId) return { verified: false };
  if (typeof verifiedAt !== "number" || !Number.isFinite(verifiedAt) || typeof verifiedChannel !== "string") {
    return { verified: false };
  }
  const stepUpClosesAt = verifiedAt + stepUpMaxAgeMs;
  return {
    verified: true,
    verifiedAt,
    channel: verifiedChannel,
    agoMs: Math.max(0, now - verifiedAt),
    stepUpClosesAt,
    stepUpOpen: now - verifiedAt <= stepUpMaxAgeMs,
  };
}

/**
 * A time of day in UTC, e.g. `14:03:12 UTC` (the server renders it; the pages run no script).
 * @example
 * formatClock(Date.UTC(2025, 0, 1, 14, 3, 12)); // "14:03:12 UTC"
 */
export function formatClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/**
 * A length of time in words, rounded down: `45 seconds`, `1 minute`, `3 hours`.
 * @example
 * formatDuration(300_000); // "5 minutes"
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 90) return plural(seconds, "second");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 90) return plural(minutes, "minute");
  return plural(Math.floor(minutes / 60), "hour");
}

/**
 * How long ago, in words: `just now`, `12 seconds ago`, `4 minutes ago`.
 * @example
 * formatAgo(125_000); // "2 minutes ago"
 */
export function formatAgo(ms: number): string {
  return ms < 5000 ? "just now" : `${formatDuration(ms)} ago`;
}

/**
 * The name of a channel as the pages say it.
 * @example
 * channelName("sms"); // "text message"
 */
export function channelName(channel: string): string {
  if (channel === "sms") return "text message";
  if (channel === "call") return "voice call";
  return channel;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
