/**
 * Shared setup of the emulator tests: an emulator, a `twilio` SDK client pointed at it whose every
 * raw response is validated against the spec, and a `fetch` wrapper that validates too.
 */
import twilio from "twilio";
import {
  type EmulatorOptions,
  emulatorHttpClient,
  startEmulator,
  type VerifyEmulator,
} from "../../testing/index.js";
import { validateResponse } from "../helpers/openapi.js";

export const ACCOUNT_SID = `AC${"a1".repeat(16)}`;
export const AUTH_TOKEN = "emulator-test-auth-token";
export const ALICE = "+15017122661";
export const CAROL = "+12025550123";

/** Basic auth header for the test account. */
export const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64")}`;

/** How many responses were validated (tests assert it grows, so validation cannot silently stop). */
export const validated = { count: 0 };

function parseBody(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  if (raw === "") return undefined;
  return JSON.parse(raw) as unknown;
}

/** Validates one raw Verify API response against the spec. */
export function validateVerifyResponse(method: string, uri: string, status: number, body: unknown): void {
  validateResponse({
    method: method.toUpperCase(),
    path: new URL(uri).pathname,
    status,
    body: parseBody(body),
  });
  validated.count += 1;
}

/** A twilio SDK client for `emu` whose every raw response is validated before the SDK sees it. */
export function sdkClient(emu: VerifyEmulator, options: { timeoutMs?: number } = {}): twilio.Twilio {
  const httpClient = emulatorHttpClient(emu.url, options);
  const send = httpClient.request.bind(httpClient);
  httpClient.request = async (opts) => {
    const response = await send(opts);
    validateVerifyResponse(opts.method, opts.uri, response.statusCode, response.body);
    return response;
  };
  return twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient });
}

/** A raw answer from the emulator. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  json: unknown;
}

/** Options of {@link raw}. */
export interface RawOptions {
  method?: string;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Adds the test account's Basic auth (default true for /v2 paths). */
  auth?: boolean;
}

/**
 * Sends a request with fetch. Every /v2 answer is validated against the spec (errors against
 * Twilio's error shape), so edge-case tests check the bodies too.
 */
export async function raw(emu: VerifyEmulator, path: string, options: RawOptions = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const isVerify = path.startsWith("/v2");
  if ((options.auth ?? isVerify) && headers.Authorization === undefined) headers.Authorization = BASIC;
  let body: string | Uint8Array | undefined = options.body;
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers["Content-Type"] ??= "application/x-www-form-urlencoded";
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["Content-Type"] ??= "application/json";
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const res = await fetch(emu.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (isVerify) validateVerifyResponse(method, emu.url + path, res.status, json ?? text);
  return { status: res.status, headers: res.headers, text, json };
}

/** Starts an emulator for one test file, with `close()` registered by the caller's afterAll. */
export async function start(options: EmulatorOptions = {}): Promise<VerifyEmulator> {
  return startEmulator(options);
}

/** The error a rejected SDK call carries (RestException fields). */
export interface SdkError {
  status: number;
  code?: number;
  message: string;
  moreInfo?: string;
}

/** Awaits a promise that must reject with a twilio RestException and returns it. */
export async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof twilio.RestException) return error as SdkError;
    throw error;
  }
  throw new Error("Expected the SDK call to fail");
}
