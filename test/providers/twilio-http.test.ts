// The provider over real HTTP, through the real twilio SDK, against a throwaway server: what it sends
// (by SID, no IP, form fields), that it never retries, its timeout, and that no thrown error carries
// the destination, the code or the credentials.
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { twilioVerify } from "../../src/twilio.js";
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  closedPort,
  expectNothingSecret,
  expectUnavailable,
  type FakeTwilio,
  PHONE,
  SERVICE_SID,
  startFakeTwilio,
  thrown,
  twilioError,
  VERIFICATION_SID,
  verificationJson,
} from "./helpers.js";

const CODE = "918273";
const BASIC = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64");
const SECRETS = [PHONE, CODE, AUTH_TOKEN, BASIC];

let fake: FakeTwilio;

function provider(extra: { timeoutMs?: number } = {}) {
  return twilioVerify({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceSid: SERVICE_SID,
    emulatorUrl: fake.url,
    ...extra,
  });
}

beforeAll(async () => {
  fake = await startFakeTwilio();
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  fake.requests.length = 0;
  vi.restoreAllMocks();
});

describe("what the provider sends", () => {
  it("start: POST Verifications with To, Channel and Locale only (no IP), Basic auth", async () => {
    fake.answer(() => ({ status: 201, body: verificationJson() }));
    const result = await provider().start({ to: PHONE, channel: "sms", locale: "fr", ip: "203.0.113.7" });
    expect(result).toEqual({ status: "pending", sid: VERIFICATION_SID, channel: "sms", sendAttempts: 1 });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(`/v2/Services/${SERVICE_SID}/Verifications`);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({ To: PHONE, Channel: "sms", Locale: "fr" });
    expect(request?.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(JSON.stringify(request?.headers)).not.toContain("203.0.113.7");
  });

  it("start without a locale sends no Locale; the channel comes back from Twilio", async () => {
    fake.answer(() => ({
      status: 201,
      body: verificationJson({ channel: "call", send_code_attempts: [{}, {}] }),
    }));
    const result = await provider().start({ to: PHONE, channel: "call" });
    expect(result).toEqual({ status: "pending", sid: VERIFICATION_SID, channel: "call", sendAttempts: 2 });
    expect(Object.fromEntries(fake.requests[0]?.form ?? [])).toEqual({ To: PHONE, Channel: "call" });
  });

  it("check: POST VerificationCheck with VerificationSid and Code, never To", async () => {
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "approved", valid: true }) }));
    const result = await provider().check({ sid: VERIFICATION_SID, code: CODE });
    expect(result).toEqual({ status: "approved", sid: VERIFICATION_SID, channel: "sms" });
    const [request] = fake.requests;
    expect(request?.path).toBe(`/v2/Services/${SERVICE_SID}/VerificationCheck`);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      VerificationSid: VERIFICATION_SID,
      Code: CODE,
    });
    expect(request?.path).not.toContain(PHONE);
  });

  it("check maps Twilio's statuses; an approval for another SID is not an approval", async () => {
    const check = () => provider().check({ sid: VERIFICATION_SID, code: CODE });
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "pending" }) }));
    expect(await check()).toEqual({ status: "pending", sid: VERIFICATION_SID });
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "max_attempts_reached" }) }));
    expect(await check()).toEqual({ status: "max_attempts" });
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "expired" }) }));
    expect(await check()).toEqual({ status: "not_found" });
    fake.answer(() => ({
      status: 200,
      body: verificationJson({ status: "approved", sid: `VE${"0".repeat(32)}` }),
    }));
    expectUnavailable(await thrown(check()));
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "weird" }) }));
    expectUnavailable(await thrown(check()));
  });

  it("cancel: POST Verifications/{sid} with Status=canceled", async () => {
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "canceled" }) }));
    expect(await provider().cancel({ sid: VERIFICATION_SID })).toEqual({ status: "canceled" });
    const [request] = fake.requests;
    expect(request?.path).toBe(`/v2/Services/${SERVICE_SID}/Verifications/${VERIFICATION_SID}`);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({ Status: "canceled" });
    fake.answer(() => ({ status: 200, body: verificationJson({ status: "pending" }) }));
    expectUnavailable(await thrown(provider().cancel({ sid: VERIFICATION_SID })));
  });

  it("API key auth sends the key as Basic user", async () => {
    const apiKeySid = `SK${"e5".repeat(16)}`;
    fake.answer(() => ({ status: 201, body: verificationJson() }));
    await twilioVerify({
      accountSid: ACCOUNT_SID,
      apiKeySid,
      apiKeySecret: "key-secret",
      serviceSid: SERVICE_SID,
      emulatorUrl: fake.url,
    }).start({ to: PHONE, channel: "sms" });
    expect(fake.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${apiKeySid}:key-secret`).toString("base64")}`,
    );
  });

  it("answers malformed SIDs and codes without a request", async () => {
    const p = provider();
    expect(await p.check({ sid: "VE/../Services", code: CODE })).toEqual({ status: "not_found" });
    expect(await p.check({ sid: VERIFICATION_SID, code: "123" })).toEqual({ status: "invalid_code" });
    expect(await p.check({ sid: VERIFICATION_SID, code: "12345678901" })).toEqual({ status: "invalid_code" });
    expect(await p.cancel({ sid: PHONE })).toEqual({ status: "not_found" });
    expect(await p.start({ to: "", channel: "sms" })).toEqual({ status: "invalid_destination" });
    expect(await p.start({ to: PHONE, channel: "sna" as never })).toEqual({ status: "channel_unavailable" });
    expect(fake.requests).toHaveLength(0);
  });

  it("shows no credentials when the provider is inspected", () => {
    const view = `${JSON.stringify(provider())} ${inspect(provider(), { depth: 10, showHidden: true })}`;
    expect(view).not.toContain(AUTH_TOKEN);
    expect(view).not.toContain(BASIC);
  });

  it("prints no deprecation warning", async () => {
    const warn = vi.spyOn(console, "warn");
    const log = vi.spyOn(console, "log");
    fake.answer(() => ({ status: 201, body: verificationJson() }));
    await provider().start({ to: PHONE, channel: "sms" });
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});

describe("errors over HTTP", () => {
  it("reads Retry-After of a 20429 and a 60203, which the SDK's RestException would drop", async () => {
    fake.answer(() => ({ ...twilioError(20429, 429, "Too many requests"), headers: { "Retry-After": "7" } }));
    expect(await provider().start({ to: PHONE, channel: "sms" })).toEqual({
      status: "rate_limited",
      reason: "too_many_requests",
      retryAfterSeconds: 7,
    });
    expect(await provider().check({ sid: VERIFICATION_SID, code: CODE })).toEqual({
      status: "rate_limited",
      retryAfterSeconds: 7,
    });
    fake.answer(() => twilioError(60203, 429, "Max send attempts reached"));
    expect(await provider().start({ to: PHONE, channel: "sms" })).toEqual({
      status: "rate_limited",
      reason: "max_sends",
    });
  });

  it("maps an RFC 9457 body by code and detail", async () => {
    fake.answer(() => ({
      status: 400,
      body: {
        type: "https://www.twilio.com/docs/errors/60200",
        title: "Invalid parameter",
        status: 400,
        code: 60200,
        detail: "To is invalid",
      },
    }));
    expect(await provider().start({ to: "+1", channel: "sms" })).toEqual({ status: "invalid_destination" });
  });

  it.each([
    ["a 5xx with Twilio JSON", () => twilioError(20500, 500, `Internal error for ${PHONE}`)],
    ["a 503 with Retry-After", () => ({ ...twilioError(20503, 503), headers: { "Retry-After": "2" } })],
    ["a 502 with an HTML body", () => ({ status: 502, body: `<html>Bad gateway ${PHONE}</html>` })],
    ["a 200 with an HTML body", () => ({ status: 200, body: `<html>${PHONE} ${CODE}</html>` })],
    ["a 201 without a SID", () => ({ status: 201, body: { status: "pending" } })],
    ["an unknown Twilio code", () => twilioError(61234, 400, `Strange thing with ${PHONE}`)],
  ])("%s throws ERR_SF_PROVIDER_UNAVAILABLE, sent once, sanitised", async (_label, next) => {
    fake.answer(next);
    for (const call of [
      () => provider().start({ to: PHONE, channel: "sms" }),
      () => provider().check({ sid: VERIFICATION_SID, code: CODE }),
      () => provider().cancel({ sid: VERIFICATION_SID }),
    ]) {
      fake.requests.length = 0;
      const error = await thrown(call());
      expectUnavailable(error);
      expectNothingSecret(error, SECRETS);
      expect(fake.requests).toHaveLength(1);
    }
  });

  it("passes a small Retry-After of Twilio's through on a 503", async () => {
    fake.answer(() => ({ ...twilioError(20503, 503), headers: { "Retry-After": "2" } }));
    const error = await thrown(provider().start({ to: PHONE, channel: "sms" }));
    expect(error.headers).toEqual({ "Retry-After": "2" });
  });

  it("never retries: one request per call on 5xx and on 429", async () => {
    for (const next of [
      () => twilioError(20429, 429),
      () => twilioError(60203, 429),
      () => twilioError(20500, 500),
    ]) {
      fake.answer(next);
      fake.requests.length = 0;
      await provider()
        .start({ to: PHONE, channel: "sms" })
        .catch(() => undefined);
      await provider()
        .check({ sid: VERIFICATION_SID, code: CODE })
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fake.requests).toHaveLength(2);
    }
  });

  it("refused credentials throw ERR_SF_PROVIDER_REJECTED, without the token", async () => {
    fake.answer(() => twilioError(20003, 401, "Authenticate"));
    const error = await thrown(provider().start({ to: PHONE, channel: "sms" }));
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
    expect(error.message).toMatch(/accountSid and authToken/);
    expectNothingSecret(error, SECRETS);
  });

  it("times out after timeoutMs when Twilio is slow, and says so", async () => {
    fake.answer(() => ({ ...twilioError(20500, 500), delayMs: 3000 }));
    const started = performance.now();
    const error = await thrown(provider({ timeoutMs: 200 }).check({ sid: VERIFICATION_SID, code: CODE }));
    const elapsed = performance.now() - started;
    expectUnavailable(error);
    expect(error.message).toMatch(/no answer within 200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(200 + 750);
    expectNothingSecret(error, SECRETS);
  });

  it("times out on a server that trickles its answer one byte at a time", async () => {
    fake.answer(() => ({ status: 201, body: verificationJson(), trickleMs: 50 }));
    const started = performance.now();
    const error = await thrown(provider({ timeoutMs: 200 }).start({ to: PHONE, channel: "sms" }));
    expectUnavailable(error);
    expect(performance.now() - started).toBeLessThan(200 + 750);
  });

  it("connection refused throws ERR_SF_PROVIDER_UNAVAILABLE quickly", async () => {
    const port = await closedPort();
    const p = twilioVerify({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      serviceSid: SERVICE_SID,
      emulatorUrl: `http://127.0.0.1:${port}`,
    });
    for (const call of [
      () => p.start({ to: PHONE, channel: "sms" }),
      () => p.check({ sid: VERIFICATION_SID, code: CODE }),
      () => p.cancel({ sid: VERIFICATION_SID }),
    ]) {
      const error = await thrown(call());
      expectUnavailable(error);
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.cause).toEqual({ name: "AxiosError", code: "ECONNREFUSED" });
      expectNothingSecret(error, SECRETS);
    }
  });
});
