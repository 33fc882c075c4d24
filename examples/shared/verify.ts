/**
 * Connects the examples to Twilio Verify, to an emulator at a URL, or to an emulator started in this
 * process, as the configuration selected ({@link VerifySetup}).
 */
import type { VerificationProvider } from "../../src/index.js";
import { twilioVerify } from "../../src/twilio.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { ExampleConfigError, type VerifySetup } from "./config.js";

/** A connected provider, and what the start lines and pages say about it. */
export interface VerifyConnection {
  readonly provider: VerificationProvider;
  readonly kind: VerifySetup["kind"];
  readonly serviceSid: string;
  /** The emulator's base URL (external or embedded); `undefined` for real Twilio. */
  readonly emulatorUrl: string | undefined;
  /** The emulator's inbox page, where codes can be read; `undefined` for real Twilio. */
  readonly inboxUrl: string | undefined;
  /** The embedded emulator, for tests that read codes or move its clock; `undefined` otherwise. */
  readonly emulator: VerifyEmulator | undefined;
  /** Stops the embedded emulator (nothing to do otherwise). */
  close(): Promise<void>;
}

/** Basic auth the emulator accepts when it was started without credentials (it takes any). */
const EMULATOR_ACCOUNT_SID = `AC${"0".repeat(32)}`;
const EMULATOR_AUTH_TOKEN = "emulator-accepts-any-token";
const SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
/** How long the service lookup of an external emulator may take. */
const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Builds the provider for `setup`; for an external emulator without `TWILIO_VERIFY_SERVICE_SID`, asks
 * it for its first service (`GET /v2/Services`). Throws {@link ExampleConfigError} with a clear message
 * when the emulator cannot be reached or lists no service, and `ERR_SF_INVALID_OPTION` (from
 * `twilioVerify`) for malformed Twilio credentials.
 * @example
 * const verify = await connectVerify({ kind: "embedded" });
 * console.log(verify.inboxUrl);
 */
export async function connectVerify(setup: VerifySetup): Promise<VerifyConnection> {
  switch (setup.kind) {
    case "twilio":
      return {
        provider: twilioVerify({
          accountSid: setup.accountSid,
          authToken: setup.authToken,
          serviceSid: setup.serviceSid,
        }),
        kind: "twilio",
        serviceSid: setup.serviceSid,
        emulatorUrl: undefined,
        inboxUrl: undefined,
        emulator: undefined,
        close: async () => {},
      };
    case "emulator-url": {
      const url = emulatorOrigin(setup.url);
      const accountSid = setup.accountSid ?? EMULATOR_ACCOUNT_SID;
      const authToken = setup.authToken ?? EMULATOR_AUTH_TOKEN;
      const serviceSid = setup.serviceSid ?? (await firstService(url, accountSid, authToken));
      return {
        provider: twilioVerify({ accountSid, authToken, serviceSid, emulatorUrl: url }),
        kind: "emulator-url",
        serviceSid,
        emulatorUrl: url,
        inboxUrl: `${url}/inbox`,
        emulator: undefined,
        close: async () => {},
      };
    }
    case "embedded": {
      const emulator = await startEmulator({ port: 0 });
      try {
        return {
          provider: twilioVerify({
            accountSid: emulator.accountSid,
            authToken: EMULATOR_AUTH_TOKEN,
            serviceSid: emulator.defaultServiceSid,
            emulatorUrl: emulator.url,
          }),
          kind: "embedded",
          serviceSid: emulator.defaultServiceSid,
          emulatorUrl: emulator.url,
          inboxUrl: `${emulator.url}/inbox`,
          emulator,
          close: () => emulator.close(),
        };
      } catch (error) {
        await emulator.close();
        throw error;
      }
    }
  }
}

function emulatorOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExampleConfigError(
      `TWILIO_VERIFY_EMULATOR_URL must be an http(s) URL such as http://127.0.0.1:4010; got ${JSON.stringify(raw.slice(0, 80))}.`,
    );
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "") {
    throw new ExampleConfigError(
      "TWILIO_VERIFY_EMULATOR_URL must be an http(s) URL without credentials, such as http://127.0.0.1:4010.",
    );
  }
  return url.origin;
}

/** The first service an emulator lists, for `TWILIO_VERIFY_EMULATOR_URL` without a service SID. */
async function firstService(url: string, accountSid: string, authToken: string): Promise<string> {
  let body: unknown;
  try {
    const response = await fetch(`${url}/v2/Services?PageSize=20`, {
      headers: {
        Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
        Accept: "application/json",
      },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new ExampleConfigError(
        `The Verify emulator at ${url} answered ${response.status} to GET /v2/Services. If it was started with --account-sid and --auth-token, set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to the same values, or set TWILIO_VERIFY_SERVICE_SID.`,
      );
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof ExampleConfigError) throw error;
    throw new ExampleConfigError(
      `Could not reach the Verify emulator at ${url} (TWILIO_VERIFY_EMULATOR_URL): ${error instanceof Error ? error.message : String(error)}. Start it with "npm run emulator", or unset TWILIO_VERIFY_EMULATOR_URL to use an embedded one.`,
      { cause: error },
    );
  }
  const services = (body as { services?: unknown } | null)?.services;
  const sid = Array.isArray(services) ? (services[0] as { sid?: unknown } | undefined)?.sid : undefined;
  if (typeof sid !== "string" || !SERVICE_SID.test(sid)) {
    throw new ExampleConfigError(
      `The Verify emulator at ${url} lists no Verify service. Create one, or set TWILIO_VERIFY_SERVICE_SID.`,
    );
  }
  return sid;
}
