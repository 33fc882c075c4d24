import { randomBytes } from "node:crypto";
import type { SecondFactorLogger } from "../events.js";
import {
  describeValue,
  invalidOption,
  isPlainObject,
  MIN_SECRET_BYTES,
  secretBytes,
} from "../options/checks.js";
import { createLimits, type Limits, type LimitsOptions } from "./index.js";

/** The methods a prebuilt {@link Limits} must have. */
const LIMITS_METHODS: readonly (keyof Limits)[] = [
  "consumeSend",
  "consumeCheck",
  "lockStatus",
  "reserveCheck",
  "recordWrongCode",
  "recordSuccess",
  "releaseCheck",
  "unlock",
  "claimOnce",
  "release",
  "destinationKey",
];

/**
 * The budgets of one instance: the app's prebuilt {@link Limits}, or new ones from the `limits`
 * options and the top-level `secret` (a random one, with a warning, when none is given).
 * @example
 * const limits = buildLimits(options.limits, options.secret, logger, options.now);
 */
export function buildLimits(
  value: unknown,
  secret: unknown,
  logger: SecondFactorLogger,
  now: (() => number) | undefined,
): Limits {
  if (value !== undefined && isPrebuilt(value)) {
    for (const method of LIMITS_METHODS) {
      if (typeof value[method] !== "function") {
        throw invalidOption(
          "limits",
          `an object without a ${method}() method`,
          "pass the object createLimits() returns, or limits options",
        );
      }
    }
    return value as Limits;
  }
  if (value !== undefined && !isPlainObject(value)) {
    throw invalidOption(
      "limits",
      describeValue(value),
      "pass limits options (an object) or the result of createLimits()",
    );
  }
  const limitsOptions = (value ?? {}) as Partial<LimitsOptions>;
  if ("secret" in limitsOptions) {
    throw invalidOption(
      "limits.secret",
      "a secret",
      'set the top-level "secret" option instead; it keys budgets and markers',
    );
  }
  const merged: LimitsOptions = { ...limitsOptions, secret: parseSecret(secret, logger) };
  if (merged.now === undefined && now !== undefined) merged.now = now;
  return createLimits(merged, { optionPath: "limits" });
}

function isPrebuilt(value: unknown): value is Record<keyof Limits, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { consumeSend?: unknown }).consumeSend === "function"
  );
}

function parseSecret(value: unknown, logger: SecondFactorLogger): Uint8Array {
  if (value === undefined) {
    logger.warn(
      'second-factor: no "secret" option; using a random one for this process. Instances will not share ' +
        'budgets or single-use markers, and a restart forgets them. Set "secret" to 32 or more random bytes.',
    );
    return randomBytes(MIN_SECRET_BYTES);
  }
  return secretBytes(value, "secret");
}
