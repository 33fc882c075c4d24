// The Twilio provider against the Verify emulator over HTTP, through the real SDK: the whole lifecycle
// (send, wrong and right checks, limits, expiry, cancel, resend) and every error mapping via faults.
// No thrown error may carry the destination or a code.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { VerificationProvider } from "../../src/twilio.js";
import { twilioVerify } from "../../src/twilio.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  closedPort,
  expectNothingSecret,
  expectUnavailable,
  thrown,
} from "./helpers.js";

const PHONE = "+15017122661";
const OTHER_PHONE = "+12025550123";
const TEN_MINUTES = 10 * 60 * 1000;

let emulator: VerifyEmulator;
let provider: VerificationProvider;

function providerFor(
  extra: { timeoutMs?: number; serviceSid?: string; authToken?: string; emulatorUrl?: string } = {},
) {
  return twilioVerify({
    accountSid: ACCOUNT_SID,
    authToken: extra.authToken ?? AUTH_TOKEN,
    serviceSid: extra.serviceSid ?? emulator.defaultServiceSid,
    emulatorUrl: extra.emulatorUrl ?? emulator.url,
    ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }),
  });
}

async function send(to = PHONE): Promise<{ sid: string; code: string }> {
  const result = await provider.start({ to, channel: "sms" });
  if (result.status !== "pending") throw new Error(`expected pending, got ${JSON.stringify(result)}`);
  const code = emulator.lastCode(to);
  if (code === undefined) throw new Error("the emulator delivered no code");
  return { sid: result.sid, code };
}

/** A code of the same length that is not `code`. */
function wrong(code: string): string {
  return code
    .split("")
    .map((digit) => String((Number(digit) + 1) % 10))
    .join("");
}

/** Every code the emulator delivered, plus the destinations: none may leak into an error. */
function secrets(): string[] {
  return [PHONE, OTHER_PHONE, AUTH_TOKEN, ...emulator.messages().map((message) => message.code)];
}

beforeAll(async () => {
  emulator = await startEmulator();
  provider = providerFor();
});

afterEach(() => {
  emulator.reset();
});

afterAll(async () => {
  await emulator.close();
});

describe("lifecycle against the emulator", () => {
  it("sends, refuses a wrong code (pending), approves the right one, then forgets it (not_found)", async () => {
    const sent = await provider.start({ to: PHONE, channel: "sms", locale: "en" });
    expect(sent).toMatchObject({ status: "pending", channel: "sms", sendAttempts: 1 });
    if (sent.status !== "pending") return;
    expect(sent.sid).toMatch(/^VE[0-9a-f]{32}$/i);
    const [message] = emulator.messages({ to: PHONE });
    expect(message).toMatchObject({ to: PHONE, channel: "sms", verificationSid: sent.sid });
    const code = message?.code ?? "";

    expect(await provider.check({ sid: sent.sid, code: wrong(code) })).toEqual({
      status: "pending",
      sid: sent.sid,
    });
    expect(await provider.check({ sid: sent.sid, code })).toEqual({
      status: "approved",
      sid: sent.sid,
      channel: "sms",
    });
    expect(await provider.check({ sid: sent.sid, code })).toEqual({ status: "not_found" });
  });

  it("the 6th check after 5 wrong ones is max_attempts, even with the right code", async () => {
    const { sid, code } = await send();
    for (let i = 0; i < 5; i++) {
      expect(await provider.check({ sid, code: wrong(code) })).toEqual({ status: "pending", sid });
    }
    expect(await provider.check({ sid, code })).toEqual({ status: "max_attempts" });
  });

  it("a resend keeps the SID and the code; the 6th send in 10 minutes is rate_limited max_sends", async () => {
    const first = await send();
    for (let attempt = 2; attempt <= 5; attempt++) {
      expect(await provider.start({ to: PHONE, channel: "sms" })).toEqual({
        status: "pending",
        sid: first.sid,
        channel: "sms",
        sendAttempts: attempt,
      });
    }
    expect(new Set(emulator.messages({ to: PHONE }).map((m) => m.code))).toEqual(new Set([first.code]));
    const sixth = await provider.start({ to: PHONE, channel: "sms" });
    expect(sixth).toMatchObject({ status: "rate_limited", reason: "max_sends" });
    if (sixth.status === "rate_limited" && sixth.retryAfterSeconds !== undefined) {
      expect(sixth.retryAfterSeconds).toBeGreaterThan(0);
      expect(sixth.retryAfterSeconds).toBeLessThanOrEqual(600);
    }
    expect(emulator.messages({ to: PHONE })).toHaveLength(5);
    // The right code still works: the limit is on sends, not checks.
    expect(await provider.check(first)).toMatchObject({ status: "approved" });
  });

  it("a code expires after 10 minutes (not_found)", async () => {
    const { sid, code } = await send();
    emulator.advanceClock(TEN_MINUTES + 1000);
    expect(await provider.check({ sid, code })).toEqual({ status: "not_found" });
  });

  it("cancel makes the code useless (check -> not_found)", async () => {
    const { sid, code } = await send();
    expect(await provider.cancel({ sid })).toEqual({ status: "canceled" });
    expect(await provider.check({ sid, code })).toEqual({ status: "not_found" });
  });

  it("cancel and check of an unknown SID are not_found", async () => {
    const sid = `VE${"0".repeat(32)}`;
    expect(await provider.cancel({ sid })).toEqual({ status: "not_found" });
    expect(await provider.check({ sid, code: "123456" })).toEqual({ status: "not_found" });
  });

  it("an invalid number is invalid_destination", async () => {
    expect(await provider.start({ to: "5017122661", channel: "sms" })).toEqual({
      status: "invalid_destination",
    });
  });

  it("an unknown service throws ERR_SF_PROVIDER_REJECTED naming the serviceSid", async () => {
    const serviceSid = `VA${"9".repeat(32)}`;
    const error = await thrown(providerFor({ serviceSid }).start({ to: PHONE, channel: "sms" }));
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
    expect(error.message).toContain(serviceSid);
    expectNothingSecret(error, secrets());
  });
});

describe("error mapping through emulator faults", () => {
  it.each([
    [{ code: 60200, message: "Invalid parameter: To" }, { status: "invalid_destination" }],
    [{ code: 60200, message: "Invalid parameter: Channel" }, { status: "channel_unavailable" }],
    [{ code: 60203 }, { status: "rate_limited", reason: "max_sends" }],
    [{ code: 60205 }, { status: "blocked", reason: "landline" }],
    [{ code: 60212 }, { status: "rate_limited", reason: "concurrent_requests" }],
    [{ code: 60217 }, { status: "channel_unavailable" }],
    [{ code: 60223 }, { status: "channel_unavailable" }],
    [{ code: 60410 }, { status: "blocked", reason: "fraud_guard" }],
    [{ code: 60605 }, { status: "blocked", reason: "geo_permissions" }],
  ])("start with fault %o -> %o, and nothing sent", async (fault, result) => {
    emulator.addFault({ path: "Verifications", ...fault });
    expect(await provider.start({ to: PHONE, channel: "sms" })).toMatchObject(result);
    expect(emulator.messages()).toHaveLength(0);
  });

  it("start with 20429 -> rate_limited too_many_requests (Retry-After when the emulator sends one)", async () => {
    emulator.addFault({ path: "Verifications", code: 20429 });
    const result = await provider.start({ to: PHONE, channel: "sms" });
    expect(result).toMatchObject({ status: "rate_limited", reason: "too_many_requests" });
    if (result.status === "rate_limited" && result.retryAfterSeconds !== undefined) {
      expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it("start with 20404 (unknown service) throws ERR_SF_PROVIDER_REJECTED", async () => {
    emulator.addFault({ path: "Verifications", code: 20404 });
    const error = await thrown(provider.start({ to: PHONE, channel: "sms" }));
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
    expectNothingSecret(error, secrets());
  });

  it.each([
    [{ code: 60200 }, { status: "invalid_code" }],
    [{ code: 60202 }, { status: "max_attempts" }],
    [{ code: 20404 }, { status: "not_found" }],
    [{ code: 20429 }, { status: "rate_limited" }],
  ])("check with fault %o -> %o", async (fault, result) => {
    const { sid, code } = await send();
    emulator.addFault({ path: "VerificationCheck", ...fault });
    expect(await provider.check({ sid, code })).toMatchObject(result);
  });

  it.each([500, 502, 503])(
    "HTTP %i throws ERR_SF_PROVIDER_UNAVAILABLE with Retry-After, sanitised",
    async (status) => {
      emulator.addFault({ path: "Verifications", status });
      const startError = await thrown(provider.start({ to: PHONE, channel: "sms" }));
      expectUnavailable(startError);
      expectNothingSecret(startError, secrets());

      const { sid, code } = await send();
      emulator.addFault({ path: "VerificationCheck", status });
      const checkError = await thrown(provider.check({ sid, code }));
      expectUnavailable(checkError);
      expectNothingSecret(checkError, secrets());
    },
  );

  it("never retries a send on 5xx or 429: nothing reaches the inbox", async () => {
    emulator.addFault({ path: "Verifications", status: 500 });
    expectUnavailable(await thrown(provider.start({ to: PHONE, channel: "sms" })));
    emulator.addFault({ path: "Verifications", code: 20429 });
    expect(await provider.start({ to: PHONE, channel: "sms" })).toMatchObject({ status: "rate_limited" });
    emulator.addFault({ path: "Verifications", code: 60212 });
    expect(await provider.start({ to: PHONE, channel: "sms" })).toMatchObject({ status: "rate_limited" });
    // A retry would have found the fault used up and delivered a code.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.messages()).toHaveLength(0);
  });

  it("never retries a check on 5xx: the right code is still unused afterwards", async () => {
    const { sid, code } = await send();
    emulator.addFault({ path: "VerificationCheck", status: 503 });
    expectUnavailable(await thrown(provider.check({ sid, code })));
    // Had the check been retried, it would have approved (and soft-deleted) the verification.
    expect(await provider.check({ sid, code })).toMatchObject({ status: "approved" });
  });

  it("a slow Twilio times out after timeoutMs (not the SDK's 30 s)", async () => {
    const slow = providerFor({ timeoutMs: 250 });
    emulator.addFault({ path: "Verifications", delayMs: 5000 });
    const started = performance.now();
    const error = await thrown(slow.start({ to: PHONE, channel: "sms" }));
    const elapsed = performance.now() - started;
    expectUnavailable(error);
    expect(error.message).toMatch(/no answer within 250 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(250 + 750);
    expectNothingSecret(error, secrets());
  });

  it("connection refused throws ERR_SF_PROVIDER_UNAVAILABLE", async () => {
    const down = providerFor({ emulatorUrl: `http://127.0.0.1:${await closedPort()}` });
    const error = await thrown(down.start({ to: PHONE, channel: "sms" }));
    expectUnavailable(error);
    expect(error.cause).toEqual({ name: "AxiosError", code: "ECONNREFUSED" });
    expectNothingSecret(error, secrets());
  });
});

describe("credentials", () => {
  let locked: VerifyEmulator;

  beforeAll(async () => {
    locked = await startEmulator({ credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
  });

  afterAll(async () => {
    await locked.close();
  });

  it("works with the right token and throws ERR_SF_PROVIDER_REJECTED (no token in it) with a wrong one", async () => {
    const options = {
      accountSid: ACCOUNT_SID,
      serviceSid: locked.defaultServiceSid,
      emulatorUrl: locked.url,
    };
    expect(
      await twilioVerify({ ...options, authToken: AUTH_TOKEN }).start({ to: OTHER_PHONE, channel: "call" }),
    ).toMatchObject({
      status: "pending",
      channel: "call",
    });
    const badToken = "0123456789abcdef0123456789abcdef";
    const error = await thrown(
      twilioVerify({ ...options, authToken: badToken }).start({ to: OTHER_PHONE, channel: "sms" }),
    );
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
    expectNothingSecret(error, [OTHER_PHONE, badToken, AUTH_TOKEN]);
  });
});
