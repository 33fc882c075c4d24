/**
 * The `recoveryCodes` option (issue 14): how many codes a new set has.
 */
import { DEFAULT_RECOVERY_CODE_COUNT } from "../factors/recovery-codes.js";
import { describeValue, invalidOption, isPlainObject, rejectUnknownKeys } from "./checks.js";

/**
 * Options of recovery codes.
 * @example
 * secondFactor({ ...options, recoveryCodes: { count: 12 } });
 */
export interface RecoveryCodesOptions {
  /** Codes in each new set, 5 to 20. @default 10 */
  count?: number;
}

/**
 * The parsed `recoveryCodes` option.
 * @example
 * const { count } = parseRecoveryCodesOption(undefined); // 10
 */
export interface RecoveryCodesConfig {
  readonly count: number;
}

/** Fewer than this many codes is not much of a way back; more than this nobody keeps. */
const MIN_COUNT = 5;
const MAX_COUNT = 20;

/**
 * Checks the `recoveryCodes` option once and fills in its default.
 * @example
 * parseRecoveryCodesOption({ count: 12 }); // { count: 12 }
 */
export function parseRecoveryCodesOption(value: unknown): RecoveryCodesConfig {
  if (value === undefined) return Object.freeze({ count: DEFAULT_RECOVERY_CODE_COUNT });
  if (!isPlainObject(value)) {
    throw invalidOption(
      "recoveryCodes",
      describeValue(value),
      "pass an object, e.g. recoveryCodes: { count: 10 }",
    );
  }
  rejectUnknownKeys(value, ["count"], "recoveryCodes.");
  const count = value.count ?? DEFAULT_RECOVERY_CODE_COUNT;
  if (typeof count !== "number" || !Number.isInteger(count) || count < MIN_COUNT || count > MAX_COUNT) {
    throw invalidOption(
      "recoveryCodes.count",
      describeValue(count),
      `use a whole number from ${MIN_COUNT} to ${MAX_COUNT}, e.g. recoveryCodes: { count: 10 }`,
    );
  }
  return Object.freeze({ count });
}
