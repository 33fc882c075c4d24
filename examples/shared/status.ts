/**
 * How the examples' pages say the second factor's status (from the library's `mfa.status(...)`) in
 * words: times of day, durations, channel names. Display only: the guards decide access, never this.
 */

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
 * channelName("sms"); // "text message"; also names the other methods ("totp": "authenticator app")
 */
export function channelName(channel: string): string {
  if (channel === "sms") return "text message";
  if (channel === "call") return "voice call";
  if (channel === "totp") return "authenticator app";
  if (channel === "recovery") return "recovery code";
  if (channel === "trusted_device") return "trusted device";
  return channel;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
