/** Small validators for options: each throws `ERR_SF_INVALID_OPTION` naming the option and the fix. */
import { ErrorCodes, SecondFactorError } from "../errors.js";
import { safeReturnTo } from "../record/return-to.js";

/**
 * The one format of a bad option's error (`ERR_SF_INVALID_OPTION`): names the option, says what is
 * wrong with it, and how to fix it: `second-factor: option "NAME" PROBLEM. Fix: FIX.`
 * @example
 * throw optionProblem("limits.store.client", "has the offline queue on", "pass { enableOfflineQueue: false }");
 */
export function optionProblem(name: string, problem: string, fix: string): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.INVALID_OPTION,
    `second-factor: option "${name}" ${problem}. Fix: ${fix}.`,
    {
      status: 500,
    },
  );
}

/**
 * A bad option's error when its value is simply not what it must be: shows the value (never a
 * secret's: pass a description such as "a secret of 12 bytes") and how to fix it.
 * @example
 * throw invalidOption("basePath", '"2fa"', 'use a path starting with "/", e.g. "/2fa"');
 */
export function invalidOption(name: string, shown: string, fix: string): SecondFactorError {
  return optionProblem(name, `is invalid (got ${shown})`, fix);
}

/**
 * The shortest secret accepted, in bytes.
 * @default 32
 */
export const MIN_SECRET_BYTES = 32;

/**
 * The one check of a secret (the top-level `secret`, `limits.secret`): a string or bytes of at least
 * {@link MIN_SECRET_BYTES}. Returns a private copy of its bytes; never echoes the value, only its length.
 * @example
 * const key = secretBytes(options.secret, "secret");
 */
export function secretBytes(value: unknown, name: string): Uint8Array {
  const fix = `use ${MIN_SECRET_BYTES} or more random bytes kept out of the source, e.g. crypto.randomBytes(32).toString("base64url")`;
  let bytes: Uint8Array;
  if (typeof value === "string") bytes = new TextEncoder().encode(value);
  else if (value instanceof Uint8Array) bytes = Uint8Array.from(value);
  else throw invalidOption(name, value === null ? "null" : `a value of type ${typeof value}`, fix);
  if (bytes.length < MIN_SECRET_BYTES) throw invalidOption(name, `a secret of ${bytes.length} bytes`, fix);
  return bytes;
}

/**
 * The one check of a clock option (`now`): a function, wrapped so that every call that returns no
 * finite time is a configuration error (`ERR_SF_MISCONFIGURED`): a NaN would make every age comparison
 * false, so a lock or a step-up window would never end.
 * @example
 * const now = optionalClock(options.now, "now") ?? Date.now;
 */
export function optionalClock(value: unknown, name: string): (() => number) | undefined {
  const clock = optionalFunction<() => unknown>(value, name);
  if (clock === undefined) return undefined;
  return () => {
    const time = clock();
    if (typeof time !== "number" || !Number.isFinite(time)) {
      throw new SecondFactorError(
        ErrorCodes.MISCONFIGURED,
        `second-factor: the "${name}" clock returned ${describeValue(time)}; it must return the time in ms as a finite number, like Date.now().`,
      );
    }
    return time;
  };
}

/**
 * Refuses keys of `value` not in `known`, naming the first one and listing the known ones.
 * @example
 * rejectUnknownKeys(options, ["provider", "user"], "");
 */
export function rejectUnknownKeys(value: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw optionProblem(
        `${prefix}${key}`,
        "is not an option",
        `check its spelling or remove it; the known options are ${known.map((name) => `"${name}"`).join(", ")}`,
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

/**
 * A short, safe rendering of a bad option value for an error message (strings are quoted and cut).
 * @example
 * describeValue("5 minutes"); // "\"5 minutes\""
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}
