/**
 * The bench's users: `u<n>` for any n, each with its own phone number (so that Twilio's five sends
 * per number never throttle a run). The objects are made once and reused: the `user(...)` callback
 * on the hot path allocates nothing.
 */
import type { SecondFactorUser } from "../../src/boundary.js";

/** Area codes whose `555` numbers are valid for libphonenumber (checked: 10 000 numbers each). */
const AREA_CODES = ["202", "212", "312", "415", "617", "646", "718", "305", "404", "503", "206"] as const;

/** The session key the bench apps' login keeps the user id under. */
export const LOGIN_KEY = "userId";

const users = new Map<string, SecondFactorUser>();

/**
 * The E.164 phone number of user `n` (distinct for n below 110 000).
 * @example
 * phoneFor(7); // "+12025550007"
 */
export function phoneFor(n: number): string {
  const area = AREA_CODES[Math.floor(n / 10_000) % AREA_CODES.length] ?? "202";
  return `+1${area}555${String(n % 10_000).padStart(4, "0")}`;
}

/**
 * The user whose id is `id` (`u<n>`), or `null` for anything else; the same object every time.
 * @example
 * userFor("u7"); // { id: "u7", phone: "+12025550007" }
 */
export function userFor(id: unknown): SecondFactorUser | null {
  if (typeof id !== "string") return null;
  const known = users.get(id);
  if (known !== undefined) return known;
  const match = /^u(\d{1,9})$/.exec(id);
  if (match === null) return null;
  const user: SecondFactorUser = Object.freeze({ id, phone: phoneFor(Number(match[1])) });
  users.set(id, user);
  return user;
}
