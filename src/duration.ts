import { describeValue, invalidOption } from "./options/checks.js";

/**
 * A duration: milliseconds as a number, or a string such as `"30s"`, `"5m"`, `"2h"`, `"1d"`, `"500ms"`.
 * @example
 * const maxAge: Duration = "5m"; // or 300000
 */
export type Duration = number | string;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(\d{1,9})(ms|s|m|h|d)$/;
/** Longer than any sensible step-up or cooldown; keeps arithmetic far from float trouble. */
const MAX_DURATION_MS = 366 * 86_400_000;

/**
 * Parses a {@link Duration} into milliseconds, or throws `ERR_SF_INVALID_OPTION` naming `optionName`.
 * Accepts a whole number of ms (`300000`) or digits plus one unit (`ms`, `s`, `m`, `h`, `d`); at most
 * 366 days. Zero is refused unless `allowZero`.
 * @example
 * parseDuration("5m", "maxAge"); // 300000
 * parseDuration(1500, "resendAfter"); // 1500
 */
export function parseDuration(value: unknown, optionName: string, allowZero = false): number {
  const ms = toMilliseconds(value);
  if (ms === undefined || ms > MAX_DURATION_MS || (ms === 0 && !allowZero)) {
    throw invalidOption(
      optionName,
      describeValue(value),
      `use a duration such as "30s", "5m", "2h", "1d" or a whole number of milliseconds${allowZero ? "" : " greater than 0"}, at most 366 days`,
    );
  }
  return ms;
}

function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = DURATION_PATTERN.exec(value.trim());
  if (match === null) return undefined;
  const [, amount = "", unit = ""] = match;
  const factor = UNIT_MS[unit];
  return factor === undefined ? undefined : Number(amount) * factor;
}
