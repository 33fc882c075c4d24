import type { SecondFactorUser } from "../boundary.js";
import { SecondFactorError } from "../errors.js";
import { describeValue } from "./checks.js";

/**
 * Checks what the app's `user(...)` callback returned: `null`, `undefined` or `false` mean no user;
 * otherwise `id` must be a non-empty string (a safe integer is accepted and turned into one) and
 * `phone`, `email`, `locale` strings when present. A bad shape is the app's configuration error
 * (`ERR_SF_MISCONFIGURED`), never a pass. A valid object is returned as it is (no copy on the hot path).
 * @example
 * const user = checkUser(await options.user(req));
 */
export function checkUser(value: unknown): SecondFactorUser | null {
  if (value === null || value === undefined || value === false) return null;
  if (typeof value !== "object" || Array.isArray(value))
    throw misconfigured(`returned ${describeValue(value)}`);
  const user = value as Record<string, unknown>;
  // The usual case first, in straight-line checks: this runs on every guarded request.
  if (
    isId(user.id) &&
    isOptionalString(user.phone) &&
    isOptionalString(user.email) &&
    isOptionalString(user.locale)
  ) {
    return value as SecondFactorUser;
  }
  let id = user.id;
  if (typeof id === "number" && Number.isSafeInteger(id)) id = String(id);
  if (!isId(id)) throw misconfigured(`returned a user whose "id" is ${describeValue(user.id)}`);
  for (const field of CONTACT_FIELDS) {
    // The value itself is never shown: it may be a phone number (rule 10).
    if (!isOptionalString(user[field])) {
      throw misconfigured(`returned a user whose "${field}" is of type ${typeof user[field]}, not a string`);
    }
  }
  return { ...(value as SecondFactorUser), id };
}

const CONTACT_FIELDS = ["phone", "email", "locale"] as const;

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 256;
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === "string";
}

function misconfigured(what: string): SecondFactorError {
  return new SecondFactorError(
    "ERR_SF_MISCONFIGURED",
    `second-factor: the "user" callback ${what}. Return null when nobody is logged in, or ` +
      "{ id: string, phone?: string (E.164), email?: string, locale?: string } for the logged-in user.",
  );
}
