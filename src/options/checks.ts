/** Small validators for options: each throws `ERR_SF_INVALID_OPTION` naming the option and the fix. */
import { describeValue } from "../duration.js";
import { SecondFactorError } from "../errors.js";
import { safeReturnTo } from "../record/return-to.js";

/**
 * The error for a bad option: names it, shows the bad value (never a secret's) and says how to fix it.
 * @example
 * throw invalidOption("basePath", '"2fa"', 'a path starting with "/", e.g. "/2fa"');
 */
export function invalidOption(name: string, shown: string, fix: string): SecondFactorError {
  return new SecondFactorError(
    "ERR_SF_INVALID_OPTION",
    `second-factor: option "${name}" is invalid (got ${shown}); ${fix}.`,
  );
}

/**
 * Refuses keys of `value` not in `known`, naming the first one and listing the known ones.
 * @example
 * rejectUnknownKeys(options, ["provider", "user"], "");
 */
export function rejectUnknownKeys(value: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new SecondFactorError(
        "ERR_SF_INVALID_OPTION",
        `second-factor: unknown option "${prefix}${key}"; known options are ${known.map((name) => `"${name}"`).join(", ")}. ` +
          "Check its spelling or remove it.",
      );
    }
  }
}

/**
 * Whether `value` is a plain object (not an array, a function, a class instance like a request, or null).
 * @example
 * if (!isPlainObject(options)) throw invalidOption("options", describeValue(options), "pass an object");
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * An optional boolean option.
 * @example
 * const allow = optionalBoolean(options.allowClientSideSessions, "allowClientSideSessions", false);
 */
export function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalidOption(name, describeValue(value), "use true or false");
  return value;
}

/**
 * An optional whole number within bounds.
 * @example
 * const limit = optionalInteger(options.bodyLimit, "bodyLimit", 16384, 256, 1048576);
 */
export function optionalInteger(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, describeValue(value), `use a whole number from ${min} to ${max}`);
  }
  return value;
}

/**
 * An optional same-origin path (`/login`), checked with the return-to rules.
 * @example
 * const loginPath = optionalLocalPath(options.loginPath, "loginPath", "/login");
 */
export function optionalLocalPath(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (safeReturnTo(value) === undefined) {
    throw invalidOption(
      name,
      describeValue(value),
      'use a path on this site starting with one "/", e.g. "/login"',
    );
  }
  return value as string;
}

/**
 * An optional function.
 * @example
 * const onEvent = optionalFunction(options.onEvent, "onEvent");
 */
export function optionalFunction<T extends (...args: never[]) => unknown>(
  value: unknown,
  name: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw invalidOption(name, describeValue(value), "pass a function");
  return value as T;
}
