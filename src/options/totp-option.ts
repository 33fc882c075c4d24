/**
 * The `totp` option (authenticator apps) and the top-level `previousSecrets`, parsed once: the TOTP
 * provider (the local one by default), the account label of the `otpauth://` URI, and the secret box
 * that seals pending secrets in the session (DESIGN §4 rule 12).
 */
import { randomBytes } from "node:crypto";
import type { SecondFactorUser } from "../boundary.js";
import type { SecondFactorLogger } from "../events.js";
import { localTotp } from "../factors/local-totp.js";
import { type SecretBox, secretBox } from "../factors/secret-box.js";
import type { TotpProvider } from "../providers/totp-provider.js";
import {
  describeValue,
  invalidOption,
  isPlainObject,
  MIN_SECRET_BYTES,
  optionalFunction,
  rejectUnknownKeys,
} from "./checks.js";

/**
 * Options of authenticator apps (TOTP, RFC 6238). Pass `false` to offer none.
 * @example
 * secondFactor({ ...options, totp: { issuer: "Example Bank", accountLabel: (user) => user.email ?? user.id } });
 * secondFactor({ ...options, totp: { provider: twilioVerifyTotp({ accountSid, authToken, serviceSid, secret }) } });
 */
export interface TotpOptions {
  /**
   * Enrols and checks the apps: `localTotp(...)` or `twilioVerifyTotp(...)` from `second-factor/twilio`.
   * @default a local provider (secrets encrypted with the top-level `secret`, on the app's clock)
   */
  provider?: TotpProvider;
  /**
   * The issuer the app shows above the account (1 to 64 characters, no colon). Local provider only:
   * Twilio names the issuer after the Verify service.
   * @default "second-factor"
   */
  issuer?: string;
  /**
   * The account name the app shows (local provider; Twilio shows its factor name instead).
   * @default (user) => user.email ?? user.id
   */
  accountLabel?: (user: SecondFactorUser) => string;
}

/**
 * The parsed `totp` option.
 * @example
 * if (config.totp !== undefined) await config.totp.provider.enrol({ accountId: user.id, label: config.totp.accountLabel(user) });
 */
export interface TotpConfig {
  readonly provider: TotpProvider;
  /** The account label for a user: 1 to 64 characters. */
  readonly accountLabel: (user: SecondFactorUser) => string;
  /** Seals what the set-up page shows (the secret and URI) in the session until it is confirmed. */
  readonly box: SecretBox;
  /** Warns once, at the first set-up, when no `secret` was given (the key is random per process). */
  readonly warnIfRandomKey: () => void;
}

const KNOWN_KEYS = ["provider", "issuer", "accountLabel"];
const PROVIDER_METHODS = ["enrol", "confirm", "verify", "remove"] as const;

/**
 * Parses `totp` (and `previousSecrets`), or `undefined` for `totp: false`. Without a top-level
 * `secret` the local provider encrypts with a random one: apps enrolled then cannot be read after a
 * restart, which {@link TotpConfig.warnIfRandomKey} says once, at the first set-up.
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION` naming the option and the fix.
 * @example
 * const totp = parseTotpOption(options.totp, { secret: options.secret, previousSecrets: options.previousSecrets, now, logger });
 */
export function parseTotpOption(
  value: unknown,
  context: {
    secret: unknown;
    previousSecrets: unknown;
    now: () => number;
    logger: SecondFactorLogger;
  },
): TotpConfig | undefined {
  const previousSecrets = parsePreviousSecrets(context.previousSecrets);
  if (value === false) return undefined;
  if (value !== undefined && !isPlainObject(value)) {
    throw invalidOption(
      "totp",
      describeValue(value),
      'pass { provider?, issuer?, accountLabel? }, or false to offer no authenticator app, e.g. totp: { issuer: "Example Bank" }',
    );
  }
  const options = (value ?? {}) as Record<string, unknown>;
  rejectUnknownKeys(options, KNOWN_KEYS, "totp.");
  let warned = context.secret !== undefined;
  const warnIfRandomKey = (): void => {
    if (warned) return;
    warned = true;
    context.logger.warn(
      'second-factor: no "secret" option; authenticator apps enrolled now are encrypted with a random key ' +
        'and cannot be read after a restart. Set "secret" to 32 or more random bytes.',
    );
  };
  const secret = context.secret ?? randomBytes(MIN_SECRET_BYTES);
  const box = secretBox(
    previousSecrets === undefined
      ? { secret: secret as string | Uint8Array }
      : { secret: secret as string | Uint8Array, previousSecrets },
  );
  let provider: TotpProvider;
  if (options.provider === undefined) {
    provider = localTotp({
      secret: secret as string | Uint8Array,
      ...(previousSecrets === undefined ? {} : { previousSecrets }),
      ...(options.issuer === undefined ? {} : { issuer: options.issuer as string }),
      now: context.now,
    });
  } else {
    if (options.issuer !== undefined) {
      throw invalidOption(
        "totp.issuer",
        "an issuer beside a provider",
        "set the issuer on the provider itself (localTotp({ issuer })), or leave totp.provider out",
      );
    }
    provider = parseProvider(options.provider);
  }
  const label = optionalFunction<(user: SecondFactorUser) => unknown>(
    options.accountLabel,
    "totp.accountLabel",
  );
  return {
    provider,
    box,
    warnIfRandomKey,
    accountLabel: (user) => checkedLabel(label === undefined ? (user.email ?? user.id) : label(user)),
  };
}

function parseProvider(value: unknown): TotpProvider {
  const fix =
    "pass localTotp({ secret }) from second-factor or twilioVerifyTotp({ accountSid, authToken, serviceSid, secret }) from second-factor/twilio";
  if (typeof value !== "object" || value === null)
    throw invalidOption("totp.provider", describeValue(value), fix);
  for (const method of PROVIDER_METHODS) {
    if (typeof (value as Record<string, unknown>)[method] !== "function") {
      throw invalidOption("totp.provider", `an object without a ${method}() method`, fix);
    }
  }
  return value as TotpProvider;
}

function parsePreviousSecrets(value: unknown): readonly (string | Uint8Array)[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 10) {
    throw invalidOption(
      "previousSecrets",
      Array.isArray(value) ? `a list of ${value.length} secrets` : describeValue(value),
      "pass a list of up to 10 older values of secret, newest first, e.g. previousSecrets: [process.env.OLD_SECOND_FACTOR_SECRET]",
    );
  }
  // secretBox checks each one (32 bytes or more) and never shows its value.
  secretBox({ secret: randomBytes(MIN_SECRET_BYTES), previousSecrets: value });
  return Object.freeze([...value]);
}

/** A label the URI can carry: never empty, at most 64 characters (a longer one is cut). */
function checkedLabel(label: unknown): string {
  const text =
    typeof label === "string"
      ? [...label]
          .filter((char) => char !== ":" && char.charCodeAt(0) >= 0x20)
          .join("")
          .trim()
      : "";
  return text === "" ? "account" : text.slice(0, 64);
}
