import { randomBytes } from "node:crypto";

/** The SID prefixes the emulator mints. */
export type SidPrefix = "AC" | "VA" | "VE" | "VL" | "MG" | "RQ" | "YE" | "YF" | "YC";

/** A new random SID: the prefix and 32 lower-case hex digits. */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString("hex");
}

/** True when `value` is a SID with this prefix (hex digits of either case, as the spec allows). */
export function isSid(prefix: SidPrefix, value: string): boolean {
  return value.length === 34 && value.startsWith(prefix) && /^[0-9a-fA-F]{32}$/.test(value.slice(2));
}
