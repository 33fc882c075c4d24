import { optionProblem } from "../../options/checks.js";

/** Options shared by both ways to authenticate. */
interface TwilioVerifyCommonOptions {
  /**
   * Your Twilio Account SID, `AC` followed by 32 hex digits (Twilio Console, Account Info).
   * @example "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
   */
  accountSid: string;
  /**
   * The Verify Service SID, `VA` followed by 32 hex digits (Twilio Console, Verify, Services).
   * @example "VAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
   */
  serviceSid: string;
  /**
   * How long one call to Twilio may take, in milliseconds (100 to 60000). A call that takes longer
   * counts as an outage. Nothing is retried.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Send every call to this Verify emulator instead of Twilio, e.g. `http://127.0.0.1:4010` (an http(s)
   * origin, no path). Never read from the environment; refused when `NODE_ENV` is `production`.
   * @default undefined (real Twilio)
   */
  emulatorUrl?: string;
  /**
   * Fetch the Verify service once at start-up and warn through the app's `logger` when its code
   * length is outside the app's `codeLength`, or when a channel the app offers is not set up there
   * (WhatsApp without a sender). Never blocks start-up; an outage is a warning too.
   * @default true, except when `NODE_ENV` is `"test"`
   */
  checkService?: boolean;
}

/**
 * Options of {@link twilioVerify}: the account, the Verify service, and either the account's auth token
 * or an API key (`apiKeySid` + `apiKeySecret`).
 * @example
 * const options: TwilioVerifyOptions = {
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   serviceSid: process.env.TWILIO_VERIFY_SERVICE_SID!,
 *   timeoutMs: 3000,
 * };
 */
export type TwilioVerifyOptions = TwilioVerifyCommonOptions &
  (
    | {
        /** The account's auth token. Never shown in any error message. */
        authToken: string;
        apiKeySid?: never;
        apiKeySecret?: never;
      }
    | {
        authToken?: never;
        /** An API key SID, `SK` followed by 32 hex digits, used instead of the auth token. */
        apiKeySid: string;
        /** The API key's secret. Never shown in any error message. */
        apiKeySecret: string;
      }
  );

/**
 * The options once validated: what the provider actually uses.
 * @example
 * const { timeoutMs, emulatorUrl } = parseTwilioVerifyOptions(options);
 */
export interface TwilioVerifyConfig {
  readonly accountSid: string;
  /** The Basic auth user: the account SID, or the API key SID. */
  readonly username: string;
  /** The Basic auth password: the auth token, or the API key secret. */
  readonly password: string;
  readonly serviceSid: string;
  readonly timeoutMs: number;
  readonly emulatorUrl: string | undefined;
  readonly checkService: boolean;
}

/**
 * Default of {@link TwilioVerifyOptions.timeoutMs}, in milliseconds.
 * @default 5000
 * @example
 * twilioVerify({ accountSid, authToken, serviceSid, timeoutMs: DEFAULT_TIMEOUT_MS * 2 });
 */
export const DEFAULT_TIMEOUT_MS = 5000;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 60_000;

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;
const SERVICE_SID = /^VA[0-9a-f]{32}$/i;
const API_KEY_SID = /^SK[0-9a-f]{32}$/i;
// Auth tokens and key secrets are 32 hex digits: a SID option holding one is a swapped secret.
const LOOKS_SECRET = /^[0-9a-f]{32}$/i;

const KNOWN_KEYS: readonly string[] = [
  "accountSid",
  "authToken",
  "apiKeySid",
  "apiKeySecret",
  "serviceSid",
  "timeoutMs",
  "emulatorUrl",
  "checkService",
];

/**
 * Validates the options of {@link twilioVerify} once, without mutating them.
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION`, whose message names the option, shows the bad
 * value (never a secret) and says how to fix it.
 * @example
 * const config = parseTwilioVerifyOptions({ accountSid, authToken, serviceSid });
 */
export function parseTwilioVerifyOptions(options: unknown): TwilioVerifyConfig {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw optionProblem(
      "twilioVerify(options)",
      `needs an object with accountSid, authToken and serviceSid (got ${describe(options)})`,
      "pass twilioVerify({ accountSid, authToken, serviceSid })",
    );
  }
  const input = options as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.includes(key)) {
      throw optionProblem(
        truncate(key),
        "is not an option of twilioVerify",
        `remove it; the known options are ${KNOWN_KEYS.join(", ")}`,
      );
    }
  }
  const authToken = input.authToken;
  const apiKeySid = input.apiKeySid;
  const apiKeySecret = input.apiKeySecret;
  const secrets = [authToken, apiKeySecret].filter((value): value is string => typeof value === "string");

  const accountSid = sid(input.accountSid, "accountSid", ACCOUNT_SID, "AC", secrets, accountSidHint);
  const serviceSid = sid(
    input.serviceSid,
    "serviceSid",
    SERVICE_SID,
    "VA",
    secrets,
    () => "Copy the Service SID from the Twilio Console (Verify > Services)",
  );
  const { username, password } = credentials(accountSid, authToken, apiKeySid, apiKeySecret, secrets);
  return {
    accountSid,
    username,
    password,
    serviceSid,
    timeoutMs: timeout(input.timeoutMs),
    emulatorUrl: emulator(input.emulatorUrl),
    checkService: checkService(input.checkService),
  };
}

function credentials(
  accountSid: string,
  authToken: unknown,
  apiKeySid: unknown,
  apiKeySecret: unknown,
  secrets: readonly string[],
): { username: string; password: string } {
  const usesKey = apiKeySid !== undefined || apiKeySecret !== undefined;
  if (authToken !== undefined && usesKey) {
    throw optionProblem(
      "authToken",
      "is given with apiKeySid + apiKeySecret: give either authToken or apiKeySid + apiKeySecret, not both",
      "remove the one you do not use",
    );
  }
  if (!usesKey) {
    if (typeof authToken !== "string" || authToken.length === 0) {
      throw optionProblem(
        "authToken",
        `must be a non-empty string (got ${describeSecret(authToken)})`,
        "copy the Auth Token from the Twilio Console (Account Info), or use apiKeySid + apiKeySecret",
      );
    }
    return { username: accountSid, password: authToken };
  }
  const keySid = sid(apiKeySid, "apiKeySid", API_KEY_SID, "SK", secrets, () =>
    apiKeySid === undefined
      ? "apiKeySecret was given, so apiKeySid is needed too"
      : "Create an API key in the Twilio Console (Account > API keys)",
  );
  if (typeof apiKeySecret !== "string" || apiKeySecret.length === 0) {
    throw optionProblem(
      "apiKeySecret",
      `must be a non-empty string (got ${describeSecret(apiKeySecret)})`,
      "it is shown once, when the API key is created; create a new key if it is lost",
    );
  }
  return { username: keySid, password: apiKeySecret };
}

function checkService(value: unknown): boolean {
  if (value === undefined) return process.env.NODE_ENV !== "test";
  if (typeof value !== "boolean") {
    throw optionProblem(
      "checkService",
      `must be true or false (got ${describe(value)})`,
      "use true or false",
    );
  }
  return value;
}

function sid(
  value: unknown,
  name: string,
  pattern: RegExp,
  prefix: string,
  secrets: readonly string[],
  hint: (value: unknown) => string,
): string {
  if (typeof value === "string" && pattern.test(value)) return value;
  const shown =
    typeof value === "string" && (LOOKS_SECRET.test(value) || secrets.includes(value))
      ? "a value that looks like a secret (not shown)"
      : describe(value);
  throw optionProblem(
    name,
    `must be "${prefix}" followed by 32 hex digits, matching ${pattern} (got ${shown})`,
    hint(value),
  );
}

function accountSidHint(value: unknown): string {
  if (typeof value === "string" && API_KEY_SID.test(value)) {
    return "That is an API key SID: pass it as apiKeySid (with apiKeySecret) and your AC... SID as accountSid";
  }
  return "Copy the Account SID from the Twilio Console (Account Info)";
}

function timeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= MIN_TIMEOUT_MS &&
    value <= MAX_TIMEOUT_MS
  ) {
    return value;
  }
  throw optionProblem(
    "timeoutMs",
    `must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} (got ${describe(value)})`,
    `leave it out for the default ${DEFAULT_TIMEOUT_MS}`,
  );
}

function emulator(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (process.env.NODE_ENV === "production") {
    throw optionProblem(
      "emulatorUrl",
      'is refused when NODE_ENV is "production": codes would never reach users',
      "remove emulatorUrl from the production configuration",
    );
  }
  const fix = "give the emulator's origin, e.g. http://127.0.0.1:4010";
  if (typeof value !== "string") {
    throw optionProblem("emulatorUrl", `must be a string (got ${describe(value)})`, fix);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw optionProblem("emulatorUrl", `must be an absolute http(s) URL (got ${describe(value)})`, fix);
  }
  if (url.username !== "" || url.password !== "") {
    throw optionProblem(
      "emulatorUrl",
      "must not contain credentials (got a URL with user info, not shown)",
      fix,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw optionProblem("emulatorUrl", `must use http: or https: (got ${describe(value)})`, fix);
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw optionProblem(
      "emulatorUrl",
      `must be an origin without path, query or fragment (got ${describe(value)}); only the scheme, host and port are used`,
      `use ${url.origin}`,
    );
  }
  return url.origin;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(truncate(value));
  if (
    value === null ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "undefined"
  ) {
    return String(value);
  }
  return kind(value);
}

function describeSecret(value: unknown): string {
  if (typeof value === "string") return "an empty string";
  return value === undefined || value === null ? String(value) : kind(value);
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
