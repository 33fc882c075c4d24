/**
 * Building blocks of recovery codes (issue 14, DESIGN §4 rule 12): generate a set, normalise what a
 * user typed, hash for storage with a salted slow hash, find the stored hash a typed code matches,
 * and the text file to download. The routes that use them come with the settings pages.
 */
import { randomBytes, randomInt, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * The alphabet of codes: digits and lower-case letters without the ones read or typed for another
 * (0/o, 1/l/i). 31 symbols: log2(31) ≈ 4.95 bits each.
 */
export const RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/** Symbols per code, shown in groups of {@link GROUP_LENGTH}: `xxxx-xxxx-xxxx`. */
const CODE_LENGTH = 12;
const GROUP_LENGTH = 4;

/**
 * Entropy of one code in bits: 12 symbols of 31, ≈ 59.4. Under 112 bits, so it is stored with a salted,
 * slow hash (NIST SP 800-63B-4 §3.1.2); guessing online is stopped by the account's lockout (rule 7).
 * @default 59.4
 */
export const RECOVERY_CODE_ENTROPY_BITS = CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length);

/**
 * Codes in a set when the app does not say.
 * @default 10
 */
export const DEFAULT_RECOVERY_CODE_COUNT = 10;

/** The scrypt cost parameters stored with each hash. */
export interface ScryptParameters {
  /** CPU and memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * scrypt's parameters for new hashes: N=2^15, r=8, p=1 (32 MiB, on the order of 0.1 s per hash). One attempt
 * costs one scrypt (the set shares a salt), so a wrong code cannot make the server run ten.
 * @default { N: 32768, r: 8, p: 1 }
 */
export const RECOVERY_SCRYPT: ScryptParameters = Object.freeze({ N: 32_768, r: 8, p: 1 });

/** Refuse stored parameters beyond these: a tampered row must not make a check cost a gigabyte. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const STORED = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

/**
 * A new set of codes from the CSPRNG (`crypto.randomInt`, no modulo bias), each `xxxx-xxxx-xxxx`.
 * Shown once, then only their hashes are kept.
 * @example
 * const codes = generateRecoveryCodes(); // ["7kx3-m9qa-2hfd", ...]
 */
export function generateRecoveryCodes(count = DEFAULT_RECOVERY_CODE_COUNT): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 100) {
    throw new RangeError("generateRecoveryCodes(count): count must be a whole number from 1 to 100");
  }
  const codes = new Set<string>();
  while (codes.size < count) {
    let symbols = "";
    for (let index = 0; index < CODE_LENGTH; index += 1) {
      symbols += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
    }
    codes.add(formatRecoveryCode(symbols));
  }
  return [...codes];
}

/** `abcd2345efgh` -> `abcd-2345-efgh`. */
function formatRecoveryCode(symbols: string): string {
  const groups: string[] = [];
  for (let start = 0; start < symbols.length; start += GROUP_LENGTH) {
    groups.push(symbols.slice(start, start + GROUP_LENGTH));
  }
  return groups.join("-");
}

/**
 * What a user typed, as the 12 symbols of a code (lower case, without spaces or hyphens), or
 * `undefined` when it cannot be a code (wrong length or a symbol outside the alphabet).
 * @example
 * normaliseRecoveryCode(" ABCD 2345-efgh "); // "abcd2345efgh"
 */
export function normaliseRecoveryCode(typed: unknown): string | undefined {
  if (typeof typed !== "string" || typed.length > 64) return undefined;
  const symbols = typed.toLowerCase().replace(/[\s\-\u2010-\u2015\u2212]/g, "");
  if (symbols.length !== CODE_LENGTH) return undefined;
  for (const symbol of symbols) if (!RECOVERY_CODE_ALPHABET.includes(symbol)) return undefined;
  return symbols;
}

/**
 * Hashes a new set for storage, one `scrypt$N$r$p$salt$hash` string per code, in order. The codes of
 * a set share one random salt, so that a typed code is checked with one scrypt (see
 * {@link findRecoveryCode}); sets of different users or generations never share one.
 * @example
 * await store.replaceRecoveryCodes(user.id, await hashRecoveryCodes(codes), now);
 */
export async function hashRecoveryCodes(
  codes: readonly string[],
  parameters: ScryptParameters = RECOVERY_SCRYPT,
): Promise<string[]> {
  const salt = randomBytes(SALT_BYTES);
  const normalised = codes.map((code) => {
    const symbols = normaliseRecoveryCode(code);
    if (symbols === undefined)
      throw new RangeError("hashRecoveryCodes(codes): a code is not a recovery code");
    return symbols;
  });
  // One scrypt at a time: a new set takes one of libuv's threads (4 by default) for about a second,
  // never all of them, so the app's other file, DNS and crypto work is not held up meanwhile.
  const hashes: string[] = [];
  for (const symbols of normalised)
    hashes.push(stored(parameters, salt, await derive(symbols, salt, parameters)));
  return hashes;
}

/**
 * The stored hash that `typed` matches, to consume by that exact value, or `undefined`. It runs scrypt
 * once per distinct salt and parameters (once for a set made by {@link hashRecoveryCodes}) and
 * compares with every stored hash in constant time, with no early exit, so the time says nothing about
 * which code matched. A stored hash typed as a code never matches: it is not a code's shape.
 * @example
 * const hash = await findRecoveryCode(body.code, unusedHashes);
 * if (hash !== undefined && (await store.consumeRecoveryCode(user.id, hash))) pass("recovery");
 */
export async function findRecoveryCode(
  typed: unknown,
  storedHashes: readonly string[],
): Promise<string | undefined> {
  const symbols = normaliseRecoveryCode(typed);
  if (symbols === undefined) return undefined;
  const derived = new Map<string, Buffer>();
  let found: string | undefined;
  for (const candidate of storedHashes) {
    const parts = parseStored(candidate);
    if (parts === undefined) continue;
    const key = `${parts.parameters.N}$${parts.parameters.r}$${parts.parameters.p}$${parts.salt.toString("base64url")}`;
    let hash = derived.get(key);
    if (hash === undefined) {
      hash = await derive(symbols, parts.salt, parts.parameters);
      derived.set(key, hash);
    }
    if (timingSafeEqual(hash, parts.hash) && found === undefined) found = candidate;
  }
  return found;
}

/**
 * The text file offered for download beside the codes: what they are, when they were made, that each
 * works once.
 * @example
 * res.attachment("recovery-codes.txt").send(recoveryCodesText(codes, new Date(), "Example Bank"));
 */
export function recoveryCodesText(
  codes: readonly string[],
  createdAt: Date,
  appName = "your account",
): string {
  return [
    `Recovery codes for ${appName}`,
    `Made ${createdAt.toISOString()}`,
    "",
    "Each code works once. Keep them somewhere safe, away from your phone.",
    "Making a new set voids these.",
    "",
    ...codes,
    "",
  ].join("\n");
}

function derive(symbols: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { ...parameters, maxmem: 256 * parameters.N * parameters.r };
  return new Promise((resolve, reject) => {
    scrypt(symbols, salt, HASH_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function stored(parameters: ScryptParameters, salt: Buffer, hash: Buffer): string {
  return `scrypt$${parameters.N}$${parameters.r}$${parameters.p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** A stored hash's parts, or `undefined` for a value that is not one (or asks for too much work). */
function parseStored(
  value: string,
): { parameters: ScryptParameters; salt: Buffer; hash: Buffer } | undefined {
  const match = STORED.exec(value);
  if (match === null) return undefined;
  const [, n = "", r = "", p = "", salt = "", hash = ""] = match;
  const parameters = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = parameters.N > 1 && (parameters.N & (parameters.N - 1)) === 0;
  if (!powerOfTwo || parameters.N > MAX_N || parameters.r < 1 || parameters.r > MAX_R) return undefined;
  if (parameters.p < 1 || parameters.p > MAX_P) return undefined;
  return { parameters, salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}
