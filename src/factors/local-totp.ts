import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { invalidOption, isPlainObject, optionalClock, rejectUnknownKeys } from "../options/checks.js";
import {
  normalizeTotpCode,
  type TotpCodeRequest,
  type TotpConfirmResult,
  type TotpProvider,
  type TotpVerifyResult,
} from "../providers/totp-provider.js";
import { secretBox } from "./secret-box.js";

/**
 * Options of {@link localTotp}.
 * @example
 * const options: LocalTotpOptions = { secret: process.env.SECOND_FACTOR_SECRET!, issuer: "Example Bank" };
 */
export interface LocalTotpOptions {
  /** The app's `secret` (32 bytes or more): the TOTP secrets are encrypted with a key derived from it. */
  secret: string | Uint8Array;
  /**
   * Older values of `secret`, still accepted to decrypt stored TOTP secrets after a rotation.
   * @default []
   */
  previousSecrets?: readonly (string | Uint8Array)[];
  /**
   * The issuer the authenticator app shows above the account (1 to 64 characters, no colon).
   * @default "second-factor"
   */
  issuer?: string;
  /**
   * The app's clock in epoch ms; codes are computed for its time.
   * @default Date.now
   */
  now?: () => number;
}

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s. */
export const TOTP_DIGITS = 6;
/** Length of one time step in seconds. */
export const TOTP_PERIOD_SECONDS = 30;
/** Steps of clock drift accepted each way: ±1 passes, ±2 does not. */
export const TOTP_DRIFT_STEPS = 1;
/** 160 bits, the HMAC-SHA-1 block RFC 4226 recommends (and NIST's minimum of 112 bits, exceeded). */
const SECRET_BYTES = 20;

const KNOWN_KEYS = ["secret", "previousSecrets", "issuer", "now"];

/**
 * The local {@link TotpProvider} (the default): secrets of 160 random bits, RFC 6238 (SHA-1, 6
 * digits, 30 s, one step of drift each way) on the app's clock, stored encrypted with AES-256-GCM
 * under a key derived from `secret` and bound to the account id.
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION` for a bad option.
 * @example
 * import { localTotp } from "second-factor";
 * const totp = localTotp({ secret: process.env.SECOND_FACTOR_SECRET!, issuer: "Example Bank" });
 * const { uri, secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
 */
export function localTotp(options: LocalTotpOptions): TotpProvider {
  if (!isPlainObject(options)) {
    throw invalidOption("localTotp(options)", "a value that is not an object", "pass { secret, issuer }");
  }
  rejectUnknownKeys(options, KNOWN_KEYS, "localTotp.");
  const box = secretBox(
    options.previousSecrets === undefined
      ? { secret: options.secret }
      : { secret: options.secret, previousSecrets: options.previousSecrets },
  );
  const issuer = issuerOption(options.issuer);
  const now = optionalClock(options.now, "localTotp.now") ?? Date.now;
  const context = (accountId: string): string => `totp:${accountId}`;

  const check = (request: TotpCodeRequest): TotpVerifyResult => {
    const code = normalizeTotpCode(request.code, TOTP_DIGITS);
    if (code === undefined) return { status: "invalid_code" };
    if (request.stored?.type !== "encrypted") return { status: "not_found" };
    const secret = box.open(request.stored.ciphertext, context(request.accountId));
    const totp = new TOTP({
      secret: new Secret({ buffer: toArrayBuffer(secret) }),
      algorithm: "SHA1",
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
    });
    const time = now();
    const delta = totp.validate({ token: code, timestamp: time, window: TOTP_DRIFT_STEPS });
    secret.fill(0);
    if (delta === null) return { status: "wrong" };
    const timeStep = totp.counter({ timestamp: time }) + delta;
    return {
      status: "approved",
      timeStep,
      // The step stays acceptable until the window has moved past it.
      singleUse: {
        key: `totp-step:${timeStep}`,
        ttlSeconds: (2 * TOTP_DRIFT_STEPS + 1) * TOTP_PERIOD_SECONDS,
      },
    };
  };

  return {
    name: "local-totp",

    async enrol({ accountId, label }) {
      const bytes = randomBytes(SECRET_BYTES);
      const secret = new Secret({ buffer: toArrayBuffer(bytes) });
      const uri = new TOTP({
        issuer,
        label: typeof label === "string" && label !== "" ? label : accountId,
        secret,
        algorithm: "SHA1",
        digits: TOTP_DIGITS,
        period: TOTP_PERIOD_SECONDS,
      }).toString();
      const ciphertext = box.seal(bytes, context(accountId));
      bytes.fill(0);
      return { uri, secret: secret.base32, stored: { type: "encrypted", ciphertext } };
    },

    async confirm(request): Promise<TotpConfirmResult> {
      const result = check(request);
      return result.status === "approved" ? { ...result, status: "confirmed" } : result;
    },

    async verify(request) {
      return check(request);
    },

    async remove() {
      return { status: "removed" };
    },
  };
}

function issuerOption(value: unknown): string {
  if (value === undefined) return "second-factor";
  if (typeof value !== "string" || value.length === 0 || value.length > 64 || value.includes(":")) {
    throw invalidOption(
      "localTotp.issuer",
      typeof value === "string" ? JSON.stringify(value.slice(0, 70)) : `a value of type ${typeof value}`,
      'use your app\'s name, 1 to 64 characters without ":", e.g. "Example Bank"',
    );
  }
  return value;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
