import type { SecondFactorUser } from "../boundary.js";
import { type CodeLength, DEFAULT_CODE_LENGTH } from "../code.js";
import { type Duration, parseDuration } from "../duration.js";
import { createEmitter, type EmitEvent, type SecondFactorEvent, type SecondFactorLogger } from "../events.js";
import {
  parseWebAuthnOptions,
  type WebAuthnConfig,
  type WebAuthnOptions,
} from "../factors/passkey/webauthn-config.js";
import {
  parseTrustedDeviceOptions,
  type TrustedDeviceConfig,
  type TrustedDeviceOptions,
} from "../factors/trusted-device.js";
import { buildLimits } from "../limits/core-limits.js";
import type { Limits, LimitsOptions } from "../limits/index.js";
import { DEFAULT_MESSAGES, MESSAGE_KEYS, type MessageCatalog, type MessageKey } from "../pages/messages.js";
import { DEFAULT_STYLESHEET, inlineStyle } from "../pages/style.js";
import type { PageView } from "../pages/view.js";
import { CHANNELS, type Channel, type VerificationProvider } from "../providers/index.js";
import { createFactorStore, type FactorStore, type FactorStoreOption } from "../stores/index.js";
import {
  describeValue,
  invalidOption,
  isPlainObject,
  optionalBoolean,
  optionalClock,
  optionalFunction,
  optionalInteger,
  optionalLocalPath,
  rejectUnknownKeys,
} from "./checks.js";
import { type PhoneNumbersConfig, type PhoneNumbersOptions, parsePhoneNumbers } from "./phone-numbers.js";
import {
  parseRecoveryCodesOption,
  type RecoveryCodesConfig,
  type RecoveryCodesOptions,
} from "./recovery-option.js";
import { parseTotpOption, type TotpConfig, type TotpOptions } from "./totp-option.js";

/**
 * Whether a user must enrol a factor: `"required"` sends a guarded user with no factor to
 * `{basePath}/setup`, and refuses to remove an account's last factor; `"off"` leaves enrolment to the
 * app (the guard shows the "no factor" page).
 * @default "required"
 * @example
 * const enrolment: EnrolmentPolicy = "off";
 */
export type EnrolmentPolicy = "required" | "off";

/**
 * The app's `user(...)` callback: who is logged in (and where codes may go), or nothing.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const user: UserCallback<Request> = (req) => req.user && { id: req.user.id, phone: req.user.phone };
 */
export type UserCallback<Native> = (
  request: Native,
) => SecondFactorUser | null | undefined | false | Promise<SecondFactorUser | null | undefined | false>;

/**
 * How the challenge pages look and read.
 * @example
 * const pages: PagesOptions = { lang: "fr", render: (view) => myLayout(view) };
 */
export interface PagesOptions {
  /**
   * Replaces the default HTML of every page: receives a typed view model, returns HTML. Escape every
   * value you put in it (`escapeHtml`), and include `view.styleElement` or no inline styles: the
   * Content-Security-Policy allows no script and no other inline style.
   * @default the built-in pages (`renderDefaultPage`)
   * @example
   * render: (view) => layout(view.lang, view.styleElement, view.page === "challenge" ? challenge(view) : problem(view))
   */
  render?: (view: PageView) => string;
  /** The page language (`<html lang>`); set it with translated `messages`. @default "en" */
  lang?: string;
  /** CSS replacing the default stylesheet (served inline, allowed by its hash). @default a small built-in stylesheet */
  stylesheet?: string;
}

/**
 * Options of `secondFactor(options)` (both adapters) and {@link createSecondFactorCore}. Validated
 * once; unknown keys are refused; the object is never modified.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const options: SecondFactorOptions<Request> = {
 *   provider: twilioVerify({ accountSid, authToken, serviceSid }),
 *   user: (req) => req.user && { id: req.user.id, phone: req.user.phone },
 *   secret: process.env.SECOND_FACTOR_SECRET,
 * };
 */
export interface SecondFactorOptions<Native = unknown> {
  /** Sends and checks codes, e.g. `twilioVerify(...)`. Required. */
  provider: VerificationProvider;
  /** Returns the logged-in user (`id`, `phone`, `email`) or nothing. Required. */
  user: UserCallback<Native>;
  /** Where requests without a user are sent (`?returnTo=` is added for GETs). @default "/login" */
  loginPath?: string;
  /** Where the challenge flow is mounted. @default "/2fa" */
  basePath?: string;
  /** The channels offered (`whatsapp` and `email` are opt-in). @default ["sms", "call"] */
  channels?: readonly Channel[];
  /**
   * Keys budgets and single-use markers (HMAC); 32 bytes or more. Instances sharing a budget store
   * must share it. @default a random secret per process, with a warning
   */
  secret?: string | Uint8Array;
  /** Budget and lockout settings, or a prebuilt `createLimits(...)`. @default memory budgets with the defaults of `createLimits` */
  limits?: Omit<LimitsOptions, "secret"> | Limits;
  /** The session key the record lives under. @default "secondFactor" */
  sessionKey?: string;
  /** Where a verified user goes when no return-to was kept. @default "/" */
  defaultReturnTo?: string;
  /** The app clock, in ms (verifiedAt, step-up ages, locks). @default Date.now */
  now?: () => number;
  /** Receives every {@link SecondFactorEvent}; errors it throws are logged, never break a request. @default none */
  onEvent?: (event: SecondFactorEvent) => void | Promise<void>;
  /** Where warnings and errors go. @default console.warn / console.error */
  logger?: SecondFactorLogger;
  /** The pages' render hook, language and stylesheet. @default the built-in English pages */
  pages?: PagesOptions;
  /** Replacement texts (any subset of the catalog), e.g. a translation. @default English */
  messages?: Partial<MessageCatalog>;
  /** Accept client-side sessions (cookie-session, koa-session without a store): weaker, see docs/security.md. @default false */
  allowClientSideSessions?: boolean;
  /** The largest flow request body, in bytes (256 to 1 MiB). @default 16384 */
  bodyLimit?: number;
  /** How long a provider call may take before the flow answers 503 (100 to 60000 ms). @default 8000 */
  providerTimeoutMs?: number;
  /** Digits in a code: a number (your Verify service's code length) or `{ min, max }`, within 4 to 10. @default { min: 4, max: 10 } */
  codeLength?: number | CodeLength;
  /** How long after a send the same code can be sent again on the same channel. @default "30s" */
  resendAfter?: Duration;
  /**
   * Where enrolled factors live: a {@link FactorStore}, or `{ kind: "memory" }`, `{ kind: "redis", client }`,
   * `{ kind: "postgres", pool }`. @default { kind: "memory" }, with a warning at start-up (lost on restart)
   */
  factors?: FactorStoreOption;
  /** `"required"`: a user with no factor is sent to the settings page to enrol one. @default "required" */
  enrolment?: EnrolmentPolicy;
  /** How recent a second factor the settings routes need (rule 11; a trusted device never counts). @default "10m" */
  manageMaxAge?: Duration;
  /** Which phone numbers can be enrolled: `allowedCountries` (ISO 3166-1 alpha-2) and the `defaultCountry` of numbers typed without `+`. @default any country, numbers in international form only */
  phoneNumbers?: PhoneNumbersOptions;
  /**
   * Passkeys (WebAuthn): the relying party id and name and every origin the pages are served from,
   * e.g. `{ rpId: "example.com", rpName: "Example", origins: ["https://example.com"] }`. Validated at
   * start-up. @default undefined (passkeys off: no passkey buttons, the passkey routes answer 404 `passkeys_off`)
   */
  webauthn?: WebAuthnOptions;
  /** How long "don't ask again on this browser" lasts (DESIGN rule 13), at most 366 days. @default "30d" */
  trustFor?: TrustedDeviceOptions["trustFor"];
  /** The trusted-device cookie's `cookieName` and `cookiePath`. @default { cookieName: "second_factor_trust", cookiePath: "/" } */
  trustedDevices?: TrustedDeviceOptions["trustedDevices"];
  /** Recovery codes: how many a new set has (5 to 20). @default { count: 10 } */
  recoveryCodes?: RecoveryCodesOptions;
  /** Authenticator apps (TOTP): the provider, the issuer and account label of the `otpauth://` URI; `false` offers none. @default the local provider, issuer "second-factor" */
  totp?: TotpOptions | false;
  /** Older values of `secret`, still accepted to decrypt stored TOTP secrets after a rotation (rule 12). @default [] */
  previousSecrets?: readonly (string | Uint8Array)[];
}

/**
 * The options after validation: every default filled in.
 * @example
 * const config: CoreConfig<Request> = parseOptions<Request>(options);
 */
export interface CoreConfig<Native> {
  readonly provider: VerificationProvider;
  readonly user: UserCallback<Native>;
  readonly loginPath: string;
  readonly basePath: string;
  readonly channels: readonly Channel[];
  readonly limits: Limits;
  readonly sessionKey: string;
  readonly defaultReturnTo: string;
  readonly now: () => number;
  readonly emit: EmitEvent;
  readonly logger: SecondFactorLogger;
  readonly render: (view: PageView) => string | undefined;
  readonly lang: string;
  readonly messages: MessageCatalog;
  readonly style: { readonly element: string; readonly cspSource: string };
  readonly allowClientSideSessions: boolean;
  readonly bodyLimit: number;
  readonly providerTimeoutMs: number;
  readonly codeLength: CodeLength;
  readonly resendAfterMs: number;
  /** The parsed `factors` option. */
  readonly factors: FactorStore;
  readonly enrolment: EnrolmentPolicy;
  readonly manageMaxAgeMs: number;
  readonly phoneNumbers: PhoneNumbersConfig;
  /** The parsed `webauthn` option; `undefined`: passkeys are off. */
  readonly webauthn: WebAuthnConfig | undefined;
  /** The parsed `trustFor` and `trustedDevices` options. */
  readonly trustedDevices: TrustedDeviceConfig;
  /** The parsed `recoveryCodes` option. */
  readonly recoveryCodes: RecoveryCodesConfig;
  /** The parsed `totp` option; `undefined` when authenticator apps are off. */
  readonly totp: TotpConfig | undefined;
}

/**
 * Defaults of {@link SecondFactorOptions}, by name.
 * @example
 * DEFAULTS.basePath; // "/2fa"
 */
export const DEFAULTS = Object.freeze({
  loginPath: "/login",
  basePath: "/2fa",
  channels: Object.freeze(["sms", "call"] as Channel[]),
  sessionKey: "secondFactor",
  defaultReturnTo: "/",
  lang: "en",
  bodyLimit: 16 * 1024,
  providerTimeoutMs: 8_000,
  resendAfter: "30s",
  enrolment: "required" as EnrolmentPolicy,
  manageMaxAge: "10m",
});

const OPTION_NAMES: readonly (keyof SecondFactorOptions)[] = [
  "provider",
  "user",
  "loginPath",
  "basePath",
  "channels",
  "secret",
  "limits",
  "sessionKey",
  "defaultReturnTo",
  "now",
  "onEvent",
  "logger",
  "pages",
  "messages",
  "allowClientSideSessions",
  "bodyLimit",
  "providerTimeoutMs",
  "codeLength",
  "resendAfter",
  "factors",
  "enrolment",
  "manageMaxAge",
  "phoneNumbers",
  "webauthn",
  "trustFor",
  "trustedDevices",
  "recoveryCodes",
  "totp",
  "previousSecrets",
];

const DEFAULT_LOGGER: SecondFactorLogger = {
  warn: (message, details) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
  error: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
};

/**
 * Validates {@link SecondFactorOptions} once and fills in the defaults. Throws `ERR_SF_INVALID_OPTION`
 * naming the option, the bad value (never a secret) and the fix.
 * @example
 * const config = parseOptions({ provider, user: (req) => req.user });
 */
export function parseOptions<Native>(options: unknown): CoreConfig<Native> {
  if (!isPlainObject(options)) {
    throw invalidOption(
      "options",
      describeValue(options),
      "pass one object, e.g. secondFactor({ provider, user })",
    );
  }
  rejectUnknownKeys(options, OPTION_NAMES, "");
  const provider = parseProvider(options.provider);
  if (typeof options.user !== "function") {
    throw invalidOption(
      "user",
      describeValue(options.user),
      "pass a function returning the logged-in user, e.g. user: (req) => req.user && { id: req.user.id, phone: req.user.phone }",
    );
  }
  const logger = parseLogger(options.logger);
  const now = optionalClock(options.now, "now") ?? Date.now;
  const basePath = parseBasePath(options.basePath);
  const pages = parsePages(options.pages);
  return {
    provider,
    user: options.user as UserCallback<Native>,
    loginPath: optionalLocalPath(options.loginPath, "loginPath", DEFAULTS.loginPath),
    basePath,
    channels: parseChannels(options.channels),
    limits: buildLimits(options.limits, options.secret, logger, options.now === undefined ? undefined : now),
    sessionKey: parseSessionKey(options.sessionKey),
    defaultReturnTo: optionalLocalPath(options.defaultReturnTo, "defaultReturnTo", DEFAULTS.defaultReturnTo),
    now,
    emit: createEmitter(optionalFunction(options.onEvent, "onEvent"), logger, now),
    logger,
    render: pages.render,
    lang: pages.lang,
    messages: parseMessages(options.messages),
    style: inlineStyle(pages.stylesheet),
    allowClientSideSessions: optionalBoolean(
      options.allowClientSideSessions,
      "allowClientSideSessions",
      false,
    ),
    bodyLimit: optionalInteger(options.bodyLimit, "bodyLimit", DEFAULTS.bodyLimit, 256, 1024 * 1024),
    providerTimeoutMs: optionalInteger(
      options.providerTimeoutMs,
      "providerTimeoutMs",
      DEFAULTS.providerTimeoutMs,
      100,
      60_000,
    ),
    codeLength: parseCodeLength(options.codeLength),
    resendAfterMs: parseDuration(options.resendAfter ?? DEFAULTS.resendAfter, "resendAfter", true),
    factors: createFactorStore(options.factors, { logger }),
    enrolment: parseEnrolment(options.enrolment),
    manageMaxAgeMs: parseDuration(options.manageMaxAge ?? DEFAULTS.manageMaxAge, "manageMaxAge"),
    phoneNumbers: parsePhoneNumbers(options.phoneNumbers),
    webauthn: options.webauthn === undefined ? undefined : parseWebAuthnOptions(options.webauthn),
    trustedDevices: parseTrustedDeviceOptions({
      trustFor: options.trustFor as TrustedDeviceOptions["trustFor"],
      trustedDevices: options.trustedDevices as TrustedDeviceOptions["trustedDevices"],
    }),
    recoveryCodes: parseRecoveryCodesOption(options.recoveryCodes),
    totp: parseTotpOption(options.totp, {
      secret: options.secret,
      previousSecrets: options.previousSecrets,
      now,
      logger,
    }),
  };
}

function parseEnrolment(value: unknown): EnrolmentPolicy {
  if (value === undefined) return DEFAULTS.enrolment;
  if (value === "required" || value === "off") return value;
  throw invalidOption(
    "enrolment",
    describeValue(value),
    'use "required" (users with no factor enrol one) or "off" (the app enrols factors elsewhere)',
  );
}

function parseProvider(value: unknown): VerificationProvider {
  if (value === undefined || value === null) {
    throw invalidOption(
      "provider",
      describeValue(value),
      'pass a verification provider, e.g. provider: twilioVerify({ accountSid, authToken, serviceSid }) from "second-factor/twilio"',
    );
  }
  if (typeof value !== "object") {
    throw invalidOption(
      "provider",
      describeValue(value),
      "pass an object with start(), check() and cancel(), e.g. twilioVerify(...)",
    );
  }
  for (const method of ["start", "check", "cancel"] as const) {
    if (typeof (value as Record<string, unknown>)[method] !== "function") {
      throw invalidOption(
        "provider",
        `an object without a ${method}() method`,
        "pass a VerificationProvider with start(), check() and cancel(), e.g. twilioVerify(...)",
      );
    }
  }
  return value as VerificationProvider;
}

function parseLogger(value: unknown): SecondFactorLogger {
  if (value === undefined) return DEFAULT_LOGGER;
  const logger = value as Partial<Record<"warn" | "error" | "info", unknown>> | null;
  if (
    typeof logger !== "object" ||
    logger === null ||
    typeof logger.warn !== "function" ||
    typeof logger.error !== "function"
  ) {
    throw invalidOption(
      "logger",
      describeValue(value),
      "pass an object with warn() and error() methods (info() optional), e.g. console or a pino logger",
    );
  }
  if (logger.info !== undefined && typeof logger.info !== "function") {
    throw invalidOption("logger.info", describeValue(logger.info), "pass a function or leave it out");
  }
  return value as SecondFactorLogger;
}

function parseBasePath(value: unknown): string {
  if (value === undefined) return DEFAULTS.basePath;
  if (typeof value !== "string" || !/^(\/[A-Za-z0-9._~-]+)+$/.test(value) || value.length > 200) {
    throw invalidOption(
      "basePath",
      describeValue(value),
      'use a path of letters, digits, "-", "_", "." or "~" segments, starting with "/" and without a trailing "/", e.g. "/2fa"',
    );
  }
  return value;
}

function parseChannels(value: unknown): readonly Channel[] {
  if (value === undefined) return DEFAULTS.channels;
  const fix = `use a non-empty list of distinct channels among ${CHANNELS.map((channel) => `"${channel}"`).join(", ")}`;
  if (!Array.isArray(value) || value.length === 0) throw invalidOption("channels", describeValue(value), fix);
  const channels: Channel[] = [];
  for (const channel of value) {
    if (!CHANNELS.includes(channel) || channels.includes(channel)) {
      throw invalidOption("channels", `a list containing ${describeValue(channel)}`, fix);
    }
    channels.push(channel);
  }
  return Object.freeze(channels);
}

function parseSessionKey(value: unknown): string {
  if (value === undefined) return DEFAULTS.sessionKey;
  if (typeof value !== "string" || !/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(value) || value === "__proto__") {
    throw invalidOption("sessionKey", describeValue(value), 'use an identifier such as "secondFactor"');
  }
  return value;
}

function parsePages(value: unknown): {
  render: (view: PageView) => string | undefined;
  lang: string;
  stylesheet: string;
} {
  if (value === undefined)
    return { render: () => undefined, lang: DEFAULTS.lang, stylesheet: DEFAULT_STYLESHEET };
  if (!isPlainObject(value))
    throw invalidOption("pages", describeValue(value), "pass an object: { render?, lang?, stylesheet? }");
  rejectUnknownKeys(value, ["render", "lang", "stylesheet"], "pages.");
  const render = optionalFunction<(view: PageView) => string>(value.render, "pages.render");
  const lang = value.lang ?? DEFAULTS.lang;
  if (typeof lang !== "string" || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(lang)) {
    throw invalidOption("pages.lang", describeValue(lang), 'use a BCP 47 language tag, e.g. "en" or "pt-BR"');
  }
  const stylesheet = value.stylesheet ?? DEFAULT_STYLESHEET;
  if (typeof stylesheet !== "string" || /<\/?style/i.test(stylesheet) || stylesheet.length > 65_536) {
    throw invalidOption(
      "pages.stylesheet",
      describeValue(stylesheet),
      "pass plain CSS (no <style> tags), at most 64 KiB",
    );
  }
  return { render: render ?? (() => undefined), lang, stylesheet };
}

function parseMessages(value: unknown): MessageCatalog {
  if (value === undefined) return DEFAULT_MESSAGES;
  if (!isPlainObject(value))
    throw invalidOption("messages", describeValue(value), "pass an object of texts by key");
  rejectUnknownKeys(value, MESSAGE_KEYS, "messages.");
  const merged: Record<MessageKey, string> = { ...DEFAULT_MESSAGES };
  for (const key of MESSAGE_KEYS) {
    const text = value[key];
    if (text === undefined) continue;
    if (typeof text !== "string" || text.length === 0 || text.length > 2000) {
      throw invalidOption(
        `messages.${key}`,
        describeValue(text),
        "use a non-empty string of at most 2000 characters",
      );
    }
    merged[key] = text;
  }
  return Object.freeze(merged);
}

function parseCodeLength(value: unknown): CodeLength {
  if (value === undefined) return DEFAULT_CODE_LENGTH;
  const fix =
    "use a whole number from 4 to 10 (your Verify service's code length) or { min, max } within 4 to 10";
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 4 || value > 10)
      throw invalidOption("codeLength", describeValue(value), fix);
    return Object.freeze({ min: value, max: value });
  }
  if (!isPlainObject(value)) throw invalidOption("codeLength", describeValue(value), fix);
  rejectUnknownKeys(value, ["min", "max"], "codeLength.");
  const { min, max } = value;
  if (
    typeof min !== "number" ||
    typeof max !== "number" ||
    !Number.isInteger(min) ||
    !Number.isInteger(max) ||
    min < 4 ||
    max > 10 ||
    min > max
  ) {
    throw invalidOption("codeLength", `{ min: ${describeValue(min)}, max: ${describeValue(max)} }`, fix);
  }
  return Object.freeze({ min, max });
}
