/**
 * The argument checks every factor store runs before it touches its storage (a malformed value is a
 * clear `ERR_SF_INVALID_ARGUMENT`, never a crash and never a silent pass), the random ids, the
 * constant-time hash comparison, and the one wrapper that turns a driver failure into a 503.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ErrorCodes, isSecondFactorError, SecondFactorError, storeUnavailable } from "../errors.js";
import { describeValue } from "../options/checks.js";
import type { NewFactor, NewTrustedDevice } from "./index.js";

/** The longest user id, factor name, device label, hash or ciphertext a store accepts. */
const MAX_TEXT = 1024;
/** WebAuthn credential ids are at most 1023 bytes; public keys are a few hundred. */
const MAX_BASE64URL = 4096;
/** A recovery code set larger than this is a bug in the caller. */
const MAX_RECOVERY_CODES = 100;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TWILIO_FACTOR_SID = /^YF[0-9a-f]{32}$/;

/**
 * A new random id (128 bits, base64url): not guessable, so a factor or device id in a form reveals
 * nothing and cannot be enumerated.
 * @example
 * const id = randomId();
 */
export function randomId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Whether two hashes are equal, in time that does not depend on where they differ.
 * @example
 * const found = devices.find((device) => sameHash(device.tokenHash, tokenHash));
 */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

const PASSED_THROUGH: ReadonlySet<string> = new Set([ErrorCodes.INVALID_ARGUMENT, ErrorCodes.MISCONFIGURED]);

/**
 * Runs a store operation; any failure becomes `ERR_SF_STORE_UNAVAILABLE` (503) naming the factor
 * store, so a driver error is never mistaken for an answer (rule 8). A bad argument or a misconfigured
 * server found on the way (`ERR_SF_INVALID_ARGUMENT`, `ERR_SF_MISCONFIGURED`: a Redis that may evict
 * keys) stays what it is, so its message reaches the developer.
 * @example
 * return failClosed(() => pool.query(sql, values));
 */
export async function failClosed<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isSecondFactorError(error) && PASSED_THROUGH.has(error.code)) throw error;
    throw storeUnavailable(error, "the factor store");
  }
}

function invalidArgument(name: string, value: unknown, expected: string): SecondFactorError {
  const shown =
    name === "tokenHash" || name === "hash" || name.includes("secret") ? "a value" : describeValue(value);
  return new SecondFactorError(
    ErrorCodes.INVALID_ARGUMENT,
    `second-factor: the factor store was given a bad "${name}" (got ${shown}); expected ${expected}.`,
  );
}

/**
 * A non-empty string of at most 1024 characters (user ids, names, labels, hashes, ciphertexts).
 * @example
 * checkText(userId, "userId");
 */
export function checkText(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_TEXT) {
    throw invalidArgument(name, value, `a non-empty string of at most ${MAX_TEXT} characters`);
  }
}

/**
 * A time on the app clock: a whole, non-negative number of ms.
 * @example
 * checkTime(at, "at");
 */
export function checkTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(name, value, "a time in whole milliseconds (app clock), like Date.now()");
  }
}

/**
 * A WebAuthn signature counter: a whole number from 0 to 2^32 - 1.
 * @example
 * checkCounter(counter, "counter");
 */
export function checkCounter(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw invalidArgument(name, value, "a whole number from 0 to 4294967295");
  }
}

function checkBase64url(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string" || value.length > MAX_BASE64URL || !BASE64URL.test(value)) {
    throw invalidArgument(name, value, `base64url text (A-Z, a-z, 0-9, "-", "_"), at most ${MAX_BASE64URL}`);
  }
}

/**
 * Checks a factor to add, by kind. Returns a copy holding only the known fields, so nothing the
 * caller added by mistake is stored.
 * @example
 * const factor = checkNewFactor(input);
 */
export function checkNewFactor(value: unknown): NewFactor {
  if (typeof value !== "object" || value === null) throw invalidArgument("factor", value, "an object");
  const input = value as Record<string, unknown>;
  checkText(input.name, "factor.name");
  checkTime(input.createdAt, "factor.createdAt");
  const base = { name: input.name, createdAt: input.createdAt };
  switch (input.kind) {
    case "phone":
    case "email": {
      const pattern = input.kind === "phone" ? E164 : EMAIL;
      const destination = input.destination;
      if (typeof destination !== "string" || destination.length > 254 || !pattern.test(destination)) {
        throw invalidArgument(
          "factor.destination",
          destination,
          input.kind === "phone" ? 'a number in E.164, e.g. "+15017122661"' : "an e-mail address",
        );
      }
      checkTime(input.verifiedAt, "factor.verifiedAt");
      return { kind: input.kind, ...base, destination, verifiedAt: input.verifiedAt };
    }
    case "totp": {
      const secret = input.secret as Record<string, unknown> | null | undefined;
      if (secret?.type === "encrypted") {
        checkText(secret.ciphertext, "factor.secret.ciphertext");
        return { kind: "totp", ...base, secret: { type: "encrypted", ciphertext: secret.ciphertext } };
      }
      if (secret?.type === "twilio" && typeof secret.factorSid === "string") {
        if (!TWILIO_FACTOR_SID.test(secret.factorSid)) {
          throw invalidArgument(
            "factor.secret.factorSid",
            secret.factorSid,
            'a Twilio factor SID ("YF" and 32 hex digits)',
          );
        }
        return { kind: "totp", ...base, secret: { type: "twilio", factorSid: secret.factorSid } };
      }
      throw invalidArgument(
        "factor.secret",
        secret,
        '{ type: "encrypted", ciphertext } or { type: "twilio", factorSid }',
      );
    }
    case "passkey": {
      checkBase64url(input.credentialId, "factor.credentialId");
      checkBase64url(input.publicKey, "factor.publicKey");
      checkCounter(input.counter, "factor.counter");
      const transports = input.transports;
      if (
        !Array.isArray(transports) ||
        transports.length > 10 ||
        !transports.every((transport) => typeof transport === "string" && /^[a-z-]{1,32}$/.test(transport))
      ) {
        throw invalidArgument(
          "factor.transports",
          transports,
          'a list of WebAuthn transports, e.g. ["internal", "hybrid"]',
        );
      }
      if (typeof input.backedUp !== "boolean")
        throw invalidArgument("factor.backedUp", input.backedUp, "true or false");
      return {
        kind: "passkey",
        ...base,
        credentialId: input.credentialId,
        publicKey: input.publicKey,
        counter: input.counter,
        transports: [...transports] as string[],
        backedUp: input.backedUp,
      };
    }
    default:
      throw invalidArgument("factor.kind", input.kind, '"phone", "email", "totp" or "passkey"');
  }
}

/**
 * The options of `removeFactor`: nothing, or `{ keepLast?: boolean }`. Returns `keepLast`.
 * @example
 * const keepLast = checkKeepLast(options);
 */
export function checkKeepLast(value: unknown): boolean {
  if (value === undefined) return false;
  const keepLast = (value as { keepLast?: unknown } | null)?.keepLast;
  if (
    typeof value !== "object" ||
    value === null ||
    (keepLast !== undefined && typeof keepLast !== "boolean")
  ) {
    throw invalidArgument("options", value, "{ keepLast?: true | false }");
  }
  return keepLast === true;
}

/**
 * Checks a trusted device to add; returns a copy holding only the known fields.
 * @example
 * const device = checkNewTrustedDevice(input);
 */
export function checkNewTrustedDevice(value: unknown): NewTrustedDevice {
  if (typeof value !== "object" || value === null) throw invalidArgument("device", value, "an object");
  const input = value as Record<string, unknown>;
  checkText(input.tokenHash, "tokenHash");
  checkText(input.label, "device.label");
  checkTime(input.createdAt, "device.createdAt");
  checkTime(input.lastUsedAt, "device.lastUsedAt");
  checkTime(input.expiresAt, "device.expiresAt");
  return {
    tokenHash: input.tokenHash,
    label: input.label,
    createdAt: input.createdAt,
    lastUsedAt: input.lastUsedAt,
    expiresAt: input.expiresAt,
  };
}

/**
 * Checks a recovery code set: 1 to 100 distinct hashes.
 * @example
 * const hashes = checkRecoveryHashes(input);
 */
export function checkRecoveryHashes(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RECOVERY_CODES) {
    throw invalidArgument("hashes", value, `a list of 1 to ${MAX_RECOVERY_CODES} hashes`);
  }
  for (const hash of value) checkText(hash, "hash");
  if (new Set(value).size !== value.length) throw invalidArgument("hashes", "a list", "distinct hashes");
  return [...value] as string[];
}

/**
 * The key under which a phone or e-mail factor is unique in its account, or `undefined` for kinds that
 * may be enrolled more than once (authenticator apps; passkeys are unique by credential id).
 * @example
 * const key = destinationKey(factor); // "phone:+15017122661"
 */
export function destinationKey(factor: NewFactor): string | undefined {
  return factor.kind === "phone" || factor.kind === "email"
    ? `${factor.kind}:${factor.destination}`
    : undefined;
}

/**
 * The passkey counter rule every store applies: the counter must go up, except that an authenticator
 * that keeps no counter reports 0 every time, which is accepted while the stored counter is 0 too.
 * @example
 * if (!counterMayAdvance(stored.counter, reported)) return "not_increased";
 */
export function counterMayAdvance(stored: number, reported: number): boolean {
  return reported > stored || (reported === 0 && stored === 0);
}

/**
 * Sorts records by `createdAt`, then `id`: the order every store lists them in.
 * @example
 * return oldestFirst(factors);
 */
export function oldestFirst<T extends { readonly createdAt: number; readonly id: string }>(
  records: T[],
): T[] {
  return records.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
