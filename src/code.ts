/**
 * The shortest and longest one-time code the flow accepts (Twilio Verify allows 4 to 10).
 * @example
 * const sixDigits: CodeLength = { min: 6, max: 6 };
 */
export interface CodeLength {
  /** @default 4 */
  min: number;
  /** @default 10 */
  max: number;
}

/**
 * The code lengths accepted when the app does not narrow them (Twilio Verify's own bounds).
 * @example
 * normalizeCode("123456", DEFAULT_CODE_LENGTH);
 */
export const DEFAULT_CODE_LENGTH: Readonly<CodeLength> = Object.freeze({ min: 4, max: 10 });

/**
 * Why a submitted code was refused before reaching the provider.
 * @example
 * const reason: CodeRefusal = "not_digits";
 */
export type CodeRefusal = "missing" | "not_text" | "not_digits" | "wrong_length";

/**
 * A code ready for the provider, or why it is refused.
 * @example
 * const result: NormalizedCode = normalizeCode(body.code);
 */
export type NormalizedCode = { ok: true; code: string } | { ok: false; reason: CodeRefusal };

/**
 * Normalises one submitted code: drops spaces and hyphens (people type `123 456` or `123-456`), then
 * requires `length.min` to `length.max` ASCII digits. Only a string is a guess: arrays (a repeated
 * field), objects and numbers are refused, so one request is at most one guess.
 * @example
 * normalizeCode(" 123-456 "); // { ok: true, code: "123456" }
 * normalizeCode(["123456", "654321"]); // { ok: false, reason: "not_text" }
 */
export function normalizeCode(value: unknown, length: CodeLength = DEFAULT_CODE_LENGTH): NormalizedCode {
  if (value === undefined || value === null || value === "") return { ok: false, reason: "missing" };
  if (typeof value !== "string") return { ok: false, reason: "not_text" };
  // Bound the work before touching the text: a 10-digit code never needs more than this.
  if (value.length > 64) return { ok: false, reason: "wrong_length" };
  const code = value.replace(/[ -]/g, "");
  if (code === "") return { ok: false, reason: "missing" };
  if (!/^[0-9]+$/.test(code)) return { ok: false, reason: "not_digits" };
  if (code.length < length.min || code.length > length.max) return { ok: false, reason: "wrong_length" };
  return { ok: true, code };
}
