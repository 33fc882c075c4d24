// twilioVerify() validates its options once: unknown keys, bad SIDs, bad timeouts and emulator URLs are
// ERR_SF_INVALID_OPTION errors that name the option, show the value (never a secret) and say how to fix it.
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseTwilioVerifyOptions } from "../../src/providers/twilio/settings.js";
import { twilioVerify } from "../../src/twilio.js";
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID } from "./helpers.js";

const valid = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, serviceSid: SERVICE_SID };
const API_KEY_SID = `SK${"e5".repeat(16)}`;
const API_KEY_SECRET = "s3cr3t-api-key-secret-value";

function optionError(options: unknown): { code: unknown; message: string; status: unknown } {
  try {
    twilioVerify(options as Parameters<typeof twilioVerify>[0]);
  } catch (error) {
    const { code, message, status } = error as { code: unknown; message: string; status: unknown };
    return { code, message, status };
  }
  throw new Error("expected twilioVerify to throw");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("twilioVerify options", () => {
  it("accepts the minimal options, applies defaults and does not mutate the input", () => {
    const options = { ...valid };
    const frozen = Object.freeze({ ...valid });
    expect(twilioVerify(frozen).name).toBe("twilio-verify");
    const config = parseTwilioVerifyOptions(options);
    expect(config).toMatchObject({ accountSid: ACCOUNT_SID, serviceSid: SERVICE_SID, timeoutMs: 5000 });
    expect(config.emulatorUrl).toBeUndefined();
    expect(options).toEqual(valid);
  });

  it("accepts API key auth (apiKeySid + apiKeySecret + accountSid)", () => {
    const config = parseTwilioVerifyOptions({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
      serviceSid: SERVICE_SID,
    });
    expect(config.username).toBe(API_KEY_SID);
    expect(config.password).toBe(API_KEY_SECRET);
    expect(config.accountSid).toBe(ACCOUNT_SID);
  });

  it.each([
    ["not an object", null, /needs an object/],
    ["an array", [], /needs an object/],
    [
      "unknown key",
      { ...valid, autoRetry: true },
      /option "autoRetry" is not an option of twilioVerify.*known options are/,
    ],
    [
      "missing accountSid",
      { authToken: AUTH_TOKEN, serviceSid: SERVICE_SID },
      /"accountSid".*\(got undefined\)/,
    ],
    [
      "short accountSid",
      { ...valid, accountSid: "AC123" },
      /"accountSid".*\/\^AC\[0-9a-f\]\{32\}\$\/i.*got "AC123"/,
    ],
    ["API key as accountSid", { ...valid, accountSid: API_KEY_SID }, /"accountSid".*pass it as apiKeySid/],
    [
      "bad serviceSid",
      { ...valid, serviceSid: "MG123" },
      /"serviceSid".*\/\^VA\[0-9a-f\]\{32\}\$\/i.*got "MG123".*Verify > Services/,
    ],
    ["numeric serviceSid", { ...valid, serviceSid: 42 }, /"serviceSid".*got 42/],
    [
      "missing authToken",
      { accountSid: ACCOUNT_SID, serviceSid: SERVICE_SID },
      /"authToken" must be a non-empty string/,
    ],
    ["empty authToken", { ...valid, authToken: "" }, /"authToken".*got an empty string/],
    [
      "both auth kinds",
      { ...valid, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
      /either authToken or apiKeySid/,
    ],
    [
      "secret without key",
      { accountSid: ACCOUNT_SID, serviceSid: SERVICE_SID, apiKeySecret: API_KEY_SECRET },
      /"apiKeySid".*apiKeySid is needed/,
    ],
    [
      "key without secret",
      { accountSid: ACCOUNT_SID, serviceSid: SERVICE_SID, apiKeySid: API_KEY_SID },
      /"apiKeySecret" must be a non-empty string/,
    ],
    ["timeoutMs too small", { ...valid, timeoutMs: 99 }, /"timeoutMs".*100 to 60000.*got 99/],
    ["timeoutMs too large", { ...valid, timeoutMs: 60_001 }, /"timeoutMs".*got 60001/],
    ["timeoutMs not whole", { ...valid, timeoutMs: 150.5 }, /"timeoutMs".*got 150.5/],
    ["timeoutMs a string", { ...valid, timeoutMs: "500" }, /"timeoutMs".*got "500"/],
    ["emulatorUrl not a URL", { ...valid, emulatorUrl: "localhost:4010" }, /"emulatorUrl".*http/],
    [
      "emulatorUrl ftp",
      { ...valid, emulatorUrl: "ftp://127.0.0.1:21" },
      /"emulatorUrl" must use http: or https:.*ftp:/,
    ],
    [
      "emulatorUrl with path",
      { ...valid, emulatorUrl: "http://127.0.0.1:4010/v2" },
      /"emulatorUrl".*without path.*use http:\/\/127.0.0.1:4010/,
    ],
    ["emulatorUrl a number", { ...valid, emulatorUrl: 4010 }, /"emulatorUrl" must be a string.*got 4010/],
  ])("refuses %s", (_label, options, message) => {
    const error = optionError(options);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.status).toBe(500);
    expect(error.message).toMatch(message);
  });

  it("never echoes a secret, even one put in the wrong option", () => {
    for (const options of [
      { ...valid, authToken: 12345 },
      { ...valid, accountSid: AUTH_TOKEN },
      { ...valid, serviceSid: AUTH_TOKEN },
      {
        accountSid: ACCOUNT_SID,
        apiKeySid: API_KEY_SECRET,
        apiKeySecret: API_KEY_SECRET,
        serviceSid: SERVICE_SID,
      },
      { ...valid, emulatorUrl: `http://user:${AUTH_TOKEN}@127.0.0.1:4010` },
    ]) {
      const error = optionError(options);
      expect(error.code).toBe("ERR_SF_INVALID_OPTION");
      expect(error.message).not.toContain(AUTH_TOKEN);
      expect(error.message).not.toContain(API_KEY_SECRET);
      expect(error.message).not.toContain("12345");
    }
    expect(optionError({ ...valid, accountSid: AUTH_TOKEN }).message).toMatch(
      /looks like a secret \(not shown\)/,
    );
  });

  it("keeps only the origin of emulatorUrl", () => {
    expect(parseTwilioVerifyOptions({ ...valid, emulatorUrl: "http://127.0.0.1:4010/" }).emulatorUrl).toBe(
      "http://127.0.0.1:4010",
    );
  });

  it("refuses emulatorUrl under NODE_ENV=production, and accepts it otherwise", () => {
    const options = { ...valid, emulatorUrl: "http://127.0.0.1:4010" };
    vi.stubEnv("NODE_ENV", "production");
    const error = optionError(options);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.message).toMatch(/"emulatorUrl" is refused when NODE_ENV is "production"/);
    // Production without emulatorUrl is fine.
    expect(twilioVerify({ ...valid }).name).toBe("twilio-verify");
    vi.stubEnv("NODE_ENV", "development");
    expect(twilioVerify(options).name).toBe("twilio-verify");
  });

  it("reads no URL from the environment", () => {
    vi.stubEnv("TWILIO_VERIFY_EMULATOR_URL", "http://127.0.0.1:1");
    expect(parseTwilioVerifyOptions({ ...valid }).emulatorUrl).toBeUndefined();
  });
});
