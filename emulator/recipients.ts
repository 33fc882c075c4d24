import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { EmulatorChannel } from "./types.js";

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** The E.164 form of `raw` when it is a valid phone number written in E.164, else undefined. */
export function normalizePhone(raw: string): string | undefined {
  if (!E164.test(raw)) return undefined;
  const parsed = parsePhoneNumberFromString(raw);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The lower-cased address when `raw` looks like an e-mail address, else undefined. */
export function normalizeEmail(raw: string): string | undefined {
  return raw.length <= 254 && EMAIL.test(raw) ? raw.toLowerCase() : undefined;
}

/** The normalised destination for `channel` (e-mail for `email`, a phone number otherwise). */
export function normalizeDestination(raw: string, channel: EmulatorChannel): string | undefined {
  return channel === "email" ? normalizeEmail(raw) : normalizePhone(raw);
}

/** The normalised destination when the channel is unknown (lookups by `To`). */
export function normalizeAnyDestination(raw: string): string | undefined {
  return raw.includes("@") ? normalizeEmail(raw) : normalizePhone(raw);
}

/**
 * Normalises a filter (`?to=`, `lastCode(to)`), leniently: `+1 (501) 712-2661` finds `+15017122661`.
 * A query string turns an unencoded `+` into a space, so a leading space before a digit is read back
 * as `+`; what still does not parse is kept as given (and matches nothing).
 */
export function normalizeFilterTo(raw: string): string {
  const restored = /^ \d/.test(raw) ? `+${raw.slice(1)}` : raw.trim();
  if (restored.includes("@")) return restored.toLowerCase();
  const parsed = restored.startsWith("+") ? parsePhoneNumberFromString(restored) : undefined;
  return parsed?.number ?? restored;
}
