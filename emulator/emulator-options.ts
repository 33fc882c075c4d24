import { EmulatorError } from "./emulator-error.js";
import type { EmulatorOptions } from "./types.js";

/** {@link EmulatorOptions} after validation, with every default filled in. */
export interface ResolvedOptions {
  port: number;
  host: string;
  allowRemote: boolean;
  token: string | undefined;
  credentials: { accountSid: string; authToken: string } | undefined;
  log: (line: string) => void;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  /** Proxy mode, with the CA to load (undefined: create one). */
  proxy: { ca: { cert: string; key: string } | undefined } | undefined;
}

const KEYS = new Set([
  "port",
  "host",
  "allowRemote",
  "token",
  "credentials",
  "log",
  "maxBodyBytes",
  "bodyTimeoutMs",
  "proxy",
]);
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const MIN_TOKEN_LENGTH = 16;

function fail(message: string): never {
  throw new EmulatorError("ERR_SF_INVALID_OPTION", `startEmulator: ${message}`);
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True for the hosts the emulator binds without `allowRemote`. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`option "${name}" must be an integer from ${min} to ${max}; got ${show(value)}`);
  }
  return value;
}

/** Validates the options once; the caller's object is never mutated. Throws `ERR_SF_INVALID_OPTION`. */
export function resolveOptions(input: EmulatorOptions | undefined): ResolvedOptions {
  if (input === undefined) input = {};
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    fail(`options must be an object; got ${show(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) fail(`unknown option "${key}"; known options: ${[...KEYS].join(", ")}`);
  }
  const port = integer("port", input.port, 0, 65_535, 0);
  const host = input.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.trim() === "")
    fail(`option "host" must be a non-empty string; got ${show(host)}`);
  const allowRemote = input.allowRemote ?? false;
  if (typeof allowRemote !== "boolean")
    fail(`option "allowRemote" must be a boolean; got ${show(allowRemote)}`);
  const token = input.token;
  if (
    token !== undefined &&
    (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH || /\s/.test(token))
  ) {
    fail(`option "token" must be a string of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  const credentials = input.credentials;
  if (credentials !== undefined) {
    if (typeof credentials !== "object" || credentials === null) {
      fail(`option "credentials" must be { accountSid, authToken }; got ${show(credentials)}`);
    }
    const extra = Object.keys(credentials).filter((k) => k !== "accountSid" && k !== "authToken");
    if (extra.length > 0) fail(`option "credentials" has unknown key "${extra[0]}"`);
    if (typeof credentials.accountSid !== "string" || !/^AC[0-9a-fA-F]{32}$/.test(credentials.accountSid)) {
      fail(
        `option "credentials.accountSid" must be "AC" and 32 hex digits; got ${show(credentials.accountSid)}`,
      );
    }
    if (typeof credentials.authToken !== "string" || credentials.authToken === "") {
      fail(`option "credentials.authToken" must be a non-empty string`);
    }
  }
  const log = input.log ?? (() => {});
  if (typeof log !== "function")
    fail(`option "log" must be a function (line: string) => void; got ${show(log)}`);
  if (!isLoopbackHost(host)) {
    if (!allowRemote) {
      fail(
        `refusing to listen on ${show(host)}: the emulator shows every code to whoever can reach it. ` +
          `Bind 127.0.0.1, or pass allowRemote: true with a token and credentials`,
      );
    }
    if (token === undefined)
      fail(`listening on ${show(host)} needs a "token" to protect the inbox and control API`);
    if (credentials === undefined) {
      fail(`listening on ${show(host)} needs "credentials" so that the Verify API is not open to anyone`);
    }
  }
  return {
    proxy: resolveProxy(input.proxy),
    port,
    host,
    allowRemote,
    token,
    credentials: credentials === undefined ? undefined : { ...credentials },
    log,
    maxBodyBytes: integer("maxBodyBytes", input.maxBodyBytes, 1024, 16 * 1024 * 1024, 64 * 1024),
    bodyTimeoutMs: integer("bodyTimeoutMs", input.bodyTimeoutMs, 10, 600_000, 10_000),
  };
}

function resolveProxy(proxy: EmulatorOptions["proxy"]): ResolvedOptions["proxy"] {
  if (proxy === undefined || proxy === false) return undefined;
  if (proxy === true) return { ca: undefined };
  if (typeof proxy !== "object" || proxy === null || Array.isArray(proxy)) {
    fail(`option "proxy" must be true, false or { ca: { cert, key } }; got ${show(proxy)}`);
  }
  const extra = Object.keys(proxy).filter((k) => k !== "ca");
  if (extra.length > 0) fail(`option "proxy" has unknown key "${extra[0]}"; it takes { ca: { cert, key } }`);
  const { ca } = proxy;
  if (typeof ca !== "object" || ca === null || typeof ca.cert !== "string" || typeof ca.key !== "string") {
    fail(`option "proxy.ca" must be { cert, key }, both PEM strings`);
  }
  return { ca: { cert: ca.cert, key: ca.key } };
}
