/**
 * The example apps' configuration, read once from the environment (DESIGN §7). Pure: it reads the
 * object it is given, starts nothing and contacts nothing, so every rule is unit-tested.
 */
import { randomBytes } from "node:crypto";
import { parseDuration } from "../../src/index.js";

/** The environment as the apps read it (`process.env`, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where codes are sent and checked. */
export type VerifySetup =
  /** Real Twilio Verify: all three of `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_VERIFY_SERVICE_SID`. */
  | {
      readonly kind: "twilio";
      readonly accountSid: string;
      readonly authToken: string;
      readonly serviceSid: string;
    }
  /** A Verify emulator already running at `url` (`TWILIO_VERIFY_EMULATOR_URL`). */
  | {
      readonly kind: "emulator-url";
      readonly url: string;
      /** `TWILIO_VERIFY_SERVICE_SID`, else the first service the emulator lists. */
      readonly serviceSid: string | undefined;
      /** Basic auth for an emulator started with credentials; any value works otherwise. */
      readonly accountSid: string | undefined;
      readonly authToken: string | undefined;
    }
  /** An emulator started inside the app's process, on a free port of 127.0.0.1. */
  | { readonly kind: "embedded" };

/** Everything the example apps take from the environment, validated. */
export interface ExampleConfig {
  /** `PORT`; 0 picks a free port. */
  readonly port: number;
  /** `STEP_UP_MAX_AGE` as given (for the pages), e.g. `"5m"`. */
  readonly stepUpMaxAge: string;
  /** `STEP_UP_MAX_AGE` in milliseconds. */
  readonly stepUpMaxAgeMs: number;
  /** `MANAGE_MAX_AGE` as given, e.g. `"10m"`: how recent the second factor must be to change factors. */
  readonly manageMaxAge: string;
  /** `MANAGE_MAX_AGE` in milliseconds (the library's `manageMaxAge`). */
  readonly manageMaxAgeMs: number;
  /** `SESSION_SECRET`, or a random one (see {@link sessionSecretGenerated}). */
  readonly sessionSecret: string;
  /** True when `SESSION_SECRET` was not set and a random secret is used. */
  readonly sessionSecretGenerated: boolean;
  readonly verify: VerifySetup;
  /** `REDIS_URL`, when set: sessions and budgets in Redis (and enrolled factors, without `DATABASE_URL`). */
  readonly redisUrl: string | undefined;
  /** `DATABASE_URL`, when set: enrolled factors in PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** `REDIS_CLUSTER_URLS` (comma-separated seeds), when set: the same on a Redis Cluster. */
  readonly redisClusterUrls: readonly string[] | undefined;
  /** `NODE_ENV === "production"`. */
  readonly production: boolean;
  /**
   * `PUBLIC_URL` (default `http://localhost:PORT`): the origin people open the app at, and so the
   * WebAuthn relying party of passkeys (its host is the rpId: `localhost` by default).
   */
  readonly publicUrl: { readonly origin: string; readonly rpId: string };
}

/** The configuration and the warnings to print at start. */
export interface LoadedConfig {
  readonly config: ExampleConfig;
  readonly warnings: readonly string[];
}

/**
 * A configuration the example refuses to start with: the message names the variable, the value (never
 * a secret) and the fix. The start script prints it and exits with status 1.
 * @example
 * if (error instanceof ExampleConfigError) console.error(error.message);
 */
export class ExampleConfigError extends Error {
  override readonly name = "ExampleConfigError";
}

/**
 * Default of `STEP_UP_MAX_AGE`.
 * @default "5m"
 * @example
 * loadConfig({}, { port: 3000 }).config.stepUpMaxAge === DEFAULT_STEP_UP_MAX_AGE; // true
 */
export const DEFAULT_STEP_UP_MAX_AGE = "5m";

/**
 * Default of `MANAGE_MAX_AGE`, the library's `manageMaxAge` default too.
 * @default "10m"
 * @example
 * loadConfig({}, { port: 3000 }).config.manageMaxAge === DEFAULT_MANAGE_MAX_AGE; // true
 */
export const DEFAULT_MANAGE_MAX_AGE = "10m";

/** A `SESSION_SECRET` shorter than this gets a warning. */
const MIN_SESSION_SECRET_LENGTH = 32;

const TWILIO_VARIABLES = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VERIFY_SERVICE_SID"] as const;

/**
 * Reads the example's configuration from `env`. Throws {@link ExampleConfigError} for a bad `PORT`,
 * `STEP_UP_MAX_AGE` or `MANAGE_MAX_AGE`, and for any emulator under `NODE_ENV=production`.
 * @param defaults.port - the app's own default port (3000 for Express, 3001 for Koa).
 * @example
 * const { config, warnings } = loadConfig(process.env, { port: 3000 });
 */
export function loadConfig(env: Env, defaults: { port: number }): LoadedConfig {
  const warnings: string[] = [];
  const production = value(env, "NODE_ENV") === "production";
  const stepUp = parseMaxAge("STEP_UP_MAX_AGE", value(env, "STEP_UP_MAX_AGE"), DEFAULT_STEP_UP_MAX_AGE);
  const manage = parseMaxAge("MANAGE_MAX_AGE", value(env, "MANAGE_MAX_AGE"), DEFAULT_MANAGE_MAX_AGE);
  const secret = value(env, "SESSION_SECRET");
  if (secret === undefined) {
    warnings.push(
      "Warning: SESSION_SECRET is not set, so a random one is used: sessions end when this process stops, and other instances cannot share them. Set SESSION_SECRET to a long random string.",
    );
  } else if (secret.length < MIN_SESSION_SECRET_LENGTH) {
    warnings.push(
      `Warning: SESSION_SECRET is only ${secret.length} characters long; use ${MIN_SESSION_SECRET_LENGTH} or more random characters.`,
    );
  }
  return {
    config: {
      port: parsePort(value(env, "PORT"), defaults.port),
      stepUpMaxAge: stepUp.given,
      stepUpMaxAgeMs: stepUp.ms,
      manageMaxAge: manage.given,
      manageMaxAgeMs: manage.ms,
      sessionSecret: secret ?? randomBytes(32).toString("base64url"),
      sessionSecretGenerated: secret === undefined,
      verify: selectVerify(env, production, warnings),
      redisUrl: value(env, "REDIS_URL"),
      databaseUrl: value(env, "DATABASE_URL"),
      redisClusterUrls: listValue(env, "REDIS_CLUSTER_URLS"),
      production,
      publicUrl: parsePublicUrl(value(env, "PUBLIC_URL"), parsePort(value(env, "PORT"), defaults.port)),
    },
    warnings,
  };
}

/**
 * The rules of DESIGN §7: all three Twilio variables -> real Twilio; else `TWILIO_VERIFY_EMULATOR_URL`
 * -> that emulator; else an embedded one. No emulator at all under `NODE_ENV=production`.
 */
function selectVerify(env: Env, production: boolean, warnings: string[]): VerifySetup {
  const accountSid = value(env, "TWILIO_ACCOUNT_SID");
  const authToken = value(env, "TWILIO_AUTH_TOKEN");
  const serviceSid = value(env, "TWILIO_VERIFY_SERVICE_SID");
  const emulatorUrl = value(env, "TWILIO_VERIFY_EMULATOR_URL");
  if (accountSid !== undefined && authToken !== undefined && serviceSid !== undefined) {
    if (emulatorUrl !== undefined) {
      warnings.push(
        "Warning: TWILIO_VERIFY_EMULATOR_URL is ignored because TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID are set: codes go to real Twilio.",
      );
    }
    return { kind: "twilio", accountSid, authToken, serviceSid };
  }
  const missing = TWILIO_VARIABLES.filter((name) => value(env, name) === undefined);
  if (production) {
    // No emulator in production: it sends nothing, so nobody could ever pass the second factor.
    throw new ExampleConfigError(
      `NODE_ENV is "production", so the example will not use a Verify emulator (it sends nothing${
        emulatorUrl === undefined ? "" : "; TWILIO_VERIFY_EMULATOR_URL is set"
      }). Set ${missing.join(", ")} to use real Twilio Verify, or unset NODE_ENV to try the example with an emulator.`,
    );
  }
  const partial = missing.length < TWILIO_VARIABLES.length;
  if (emulatorUrl !== undefined) {
    return { kind: "emulator-url", url: emulatorUrl, serviceSid, accountSid, authToken };
  }
  if (partial) {
    warnings.push(
      `Warning: some Twilio variables are set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not: using the embedded Verify emulator, not Twilio. Set all three of ${TWILIO_VARIABLES.join(", ")} for real Twilio.`,
    );
  }
  return { kind: "embedded" };
}

function parsePort(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535) {
    throw new ExampleConfigError(
      `PORT must be a port number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(raw.slice(0, 40))}.`,
    );
  }
  return Number(raw);
}

/** `PUBLIC_URL`: an `http:` or `https:` origin on a host name (WebAuthn refuses IP addresses). */
function parsePublicUrl(raw: string | undefined, port: number): { origin: string; rpId: string } {
  const given = raw ?? `http://localhost:${port}`;
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    /^[\d.]+$|^\[/.test(url.hostname) ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw new ExampleConfigError(
      `PUBLIC_URL must be the origin people open the app at, on a host name (passkeys refuse IP addresses), e.g. "http://localhost:3000" or "https://example.com"; got ${JSON.stringify(given.slice(0, 80))}.`,
    );
  }
  return { origin: url.origin, rpId: url.hostname };
}

/** A duration variable (`STEP_UP_MAX_AGE`, `MANAGE_MAX_AGE`): as given, and in milliseconds. */
function parseMaxAge(name: string, raw: string | undefined, fallback: string): { given: string; ms: number } {
  const given = raw ?? fallback;
  try {
    // A bare number is milliseconds, as the library's `maxAge` option takes it.
    return { given, ms: parseDuration(/^\d+$/.test(given) ? Number(given) : given, name) };
  } catch {
    throw new ExampleConfigError(
      `${name} must be a duration such as "30s", "5m" or "2h" (or whole milliseconds), greater than 0; got ${JSON.stringify(given.slice(0, 40))}.`,
    );
  }
}

/** A variable's value; an empty string counts as unset. */
/** A comma-separated variable as its non-empty items, or `undefined` when it has none. */
function listValue(env: Env, name: string): readonly string[] | undefined {
  const items = (value(env, name) ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length === 0 ? undefined : items;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}
