import { randomBytes } from "node:crypto";
import { describeValue } from "../duration.js";
import type { SecondFactorLogger } from "../events.js";
import { invalidOption, isPlainObject } from "../options/checks.js";
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
 * The shortest secret accepted, in bytes.
 * @default 32
 * @example
 * crypto.randomBytes(MIN_SECRET_BYTES).toString("base64url");
 */
export const MIN_SECRET_BYTES = 32;

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

function parseSecret(value: unknown, logger: SecondFactorLogger): string | Uint8Array {
  if (value === undefined) {
    logger.warn(
      'second-factor: no "secret" option; using a random one for this process. Instances will not share ' +
        'budgets or single-use markers, and a restart forgets them. Set "secret" to 32 or more random bytes.',
    );
    return randomBytes(MIN_SECRET_BYTES);
  }
  const bytes =
    typeof value === "string"
      ? Buffer.byteLength(value, "utf8")
      : value instanceof Uint8Array
        ? value.length
        : -1;
  if (bytes === -1)
    throw invalidOption(
      "secret",
      describeSecret(value),
      "pass a string or a Uint8Array of 32 or more random bytes",
    );
  // Never show the secret itself, only how long it is.
  if (bytes < MIN_SECRET_BYTES) {
    throw invalidOption(
      "secret",
      `a secret of ${bytes} bytes`,
      `use ${MIN_SECRET_BYTES} or more random bytes, e.g. crypto.randomBytes(32).toString("base64url")`,
    );
  }
  return typeof value === "string" ? value : new Uint8Array(value as Uint8Array);
}

function describeSecret(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a value of type ${typeof value}`;
}
