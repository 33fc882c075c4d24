// Every Twilio error code of verify-behaviour.md §2 maps to a result or to one of two typed errors, and
// no thrown error keeps the destination, the code or the credentials (not even in its cause).
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import {
  cancelFailure,
  checkFailure,
  startFailure,
  type TwilioFailure,
  toTwilioFailure,
} from "../../src/providers/twilio/error-map.js";
import { parseRetryAfter, TwilioErrorAnswer } from "../../src/providers/twilio/transport.js";
import { AUTH_TOKEN, expectNothingSecret, expectUnavailable, PHONE, SERVICE_SID, thrown } from "./helpers.js";

const context = { serviceSid: SERVICE_SID, timeoutMs: 5000 };
const CODE = "918273";

function restException(status: number, body: unknown): unknown {
  return new twilio.RestException({ statusCode: status, body, headers: {} } as never);
}

function answer(
  code: number | undefined,
  status: number,
  detail = "",
  retryAfterSeconds?: number,
): Extract<TwilioFailure, { kind: "answer" }> {
  return { kind: "answer", status, code, detail, retryAfterSeconds };
}

/** An axios error as the SDK lets it through: with the request config, form body and auth header. */
function axiosLike(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    name: "AxiosError",
    isAxiosError: true,
    code,
    config: {
      url: `https://verify.twilio.com/v2/Services/${SERVICE_SID}/VerificationCheck`,
      data: `To=${encodeURIComponent(PHONE)}&Code=${CODE}`,
      headers: { Authorization: `Basic ${Buffer.from(`AC:${AUTH_TOKEN}`).toString("base64")}` },
    },
    request: { _header: `POST /v2 HTTP/1.1\r\nAuthorization: Basic ${AUTH_TOKEN}` },
  });
}

function sync<T>(work: () => T): Promise<T> {
  return Promise.resolve().then(work);
}

describe("toTwilioFailure", () => {
  it("reads a real RestException (legacy body)", () => {
    const failure = toTwilioFailure(
      restException(429, { code: 60203, message: "Max send attempts reached", more_info: "x", status: 429 }),
    );
    expect(failure).toEqual(answer(60203, 429, "Max send attempts reached"));
  });

  it("reads a RestException for a non-JSON body as an answer without code", () => {
    expect(toTwilioFailure(restException(502, "<html>Bad gateway</html>"))).toMatchObject({
      kind: "answer",
      status: 502,
      code: undefined,
    });
  });

  it("reads a TwilioServiceException-like (RFC 9457) error, code 0 meaning none", () => {
    const error = Object.assign(new Error("[HTTP 400] Invalid parameter"), {
      status: 400,
      code: 60200,
      title: "Invalid parameter",
      detail: "To is invalid",
      type: "https://www.twilio.com/docs/errors/60200",
    });
    expect(toTwilioFailure(error)).toMatchObject({
      kind: "answer",
      code: 60200,
      detail: expect.stringMatching(/To is invalid/),
    });
    expect(toTwilioFailure(Object.assign(new Error("x"), { status: 500, code: 0 }))).toMatchObject({
      code: undefined,
    });
  });

  it("reads our TwilioErrorAnswer with its Retry-After", () => {
    expect(toTwilioFailure(new TwilioErrorAnswer(429, 20429, "Too many requests", 7))).toEqual(
      answer(20429, 429, "Too many requests", 7),
    );
  });

  it("reads axios errors, timeouts and anything else as transport failures", () => {
    expect(toTwilioFailure(axiosLike("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9"))).toEqual({
      kind: "transport",
      name: "AxiosError",
      code: "ECONNREFUSED",
      timedOut: false,
    });
    expect(toTwilioFailure(axiosLike("ECONNABORTED", "timeout of 100ms exceeded"))).toMatchObject({
      timedOut: true,
    });
    expect(toTwilioFailure(Object.assign(new Error("late"), { name: "TimeoutError" }))).toMatchObject({
      timedOut: true,
    });
    expect(toTwilioFailure(new SyntaxError(`Unexpected token < in "${PHONE}"`))).toMatchObject({
      name: "SyntaxError",
    });
    expect(toTwilioFailure("a string")).toMatchObject({ kind: "transport", name: "Error", code: undefined });
    expect(toTwilioFailure({ name: PHONE, code: CODE })).toEqual({
      kind: "transport",
      name: "Error",
      code: undefined,
      timedOut: false,
    });
  });
});

describe("startFailure", () => {
  it.each([
    [answer(60200, 400, "Invalid parameter: To"), { status: "invalid_destination" }],
    [answer(60200, 400, "Invalid parameter `To`"), { status: "invalid_destination" }],
    [answer(60200, 400, "Invalid parameter: Channel"), { status: "channel_unavailable" }],
    [answer(60203, 429, "Max send attempts reached"), { status: "rate_limited", reason: "max_sends" }],
    [answer(60203, 429, "", 600), { status: "rate_limited", reason: "max_sends", retryAfterSeconds: 600 }],
    [answer(60205, 403), { status: "blocked", reason: "landline" }],
    [answer(60212, 429), { status: "rate_limited", reason: "concurrent_requests" }],
    [answer(60217, 400), { status: "channel_unavailable" }],
    [answer(60223, 400), { status: "channel_unavailable" }],
    [answer(60410, 403), { status: "blocked", reason: "fraud_guard" }],
    [answer(60412, 403), { status: "blocked", reason: "fraud_guard" }],
    [answer(60605, 403), { status: "blocked", reason: "geo_permissions" }],
    [answer(20429, 429), { status: "rate_limited", reason: "too_many_requests" }],
    [
      answer(20429, 429, "", 3),
      { status: "rate_limited", reason: "too_many_requests", retryAfterSeconds: 3 },
    ],
  ])("maps %o", (failure, result) => {
    expect(startFailure(failure, context)).toEqual(result);
  });

  it("throws ERR_SF_PROVIDER_REJECTED for an unknown service (20404), naming the serviceSid", async () => {
    const error = await thrown(
      sync(() => startFailure(answer(20404, 404, `/v2/Services/${SERVICE_SID}`), context)),
    );
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
    expect(error.message).toContain(SERVICE_SID);
    expect(error.message).toMatch(/serviceSid/);
  });

  it("throws ERR_SF_PROVIDER_REJECTED for a 60200 on another parameter", async () => {
    const error = await thrown(
      sync(() => startFailure(answer(60200, 400, "Invalid parameter: Locale"), context)),
    );
    expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
  });

  it.each([answer(20003, 401, "Authenticate"), answer(undefined, 401), answer(20403, 403)])(
    "throws ERR_SF_PROVIDER_REJECTED for refused credentials %o",
    async (failure) => {
      for (const map of [startFailure, checkFailure, cancelFailure]) {
        const error = await thrown(sync(() => map(failure, context)));
        expect(error.code).toBe("ERR_SF_PROVIDER_REJECTED");
        expect(error.status).toBe(500);
        expect(error.expose).toBe(false);
      }
    },
  );

  it.each([
    answer(20500, 500),
    answer(undefined, 503),
    answer(undefined, 502),
    answer(61234, 400, `something about ${PHONE}`),
    answer(60202, 429),
    answer(undefined, 429),
  ])("throws ERR_SF_PROVIDER_UNAVAILABLE for %o", async (failure) => {
    const error = await thrown(sync(() => startFailure(failure, context)));
    expectUnavailable(error);
    expect(error.headers).toEqual({ "Retry-After": "5" });
    expect(error.cause).toEqual({ name: "TwilioErrorAnswer", status: failure.status, code: failure.code });
    expectNothingSecret(error, [PHONE]);
  });

  it("keeps a small Retry-After of Twilio's on an outage, clamped to 1..30 s", async () => {
    expect((await thrown(sync(() => startFailure(answer(20503, 503, "", 2), context)))).headers).toEqual({
      "Retry-After": "2",
    });
    expect((await thrown(sync(() => startFailure(answer(20503, 503, "", 3600), context)))).headers).toEqual({
      "Retry-After": "30",
    });
    expect((await thrown(sync(() => startFailure(answer(20503, 503, "", 0), context)))).headers).toEqual({
      "Retry-After": "1",
    });
  });
});

describe("checkFailure and cancelFailure", () => {
  it.each([
    [answer(60200, 400, "Invalid parameter: Code"), { status: "invalid_code" }],
    [answer(60202, 429, "Max check attempts reached"), { status: "max_attempts" }],
    [answer(20404, 404, "The requested resource was not found"), { status: "not_found" }],
    [answer(60221, 400), { status: "not_found" }],
    [answer(20429, 429), { status: "rate_limited" }],
    [answer(20429, 429, "", 4), { status: "rate_limited", retryAfterSeconds: 4 }],
    [answer(60212, 429), { status: "rate_limited" }],
  ])("check maps %o", (failure, result) => {
    expect(checkFailure(failure, context)).toEqual(result);
  });

  it("cancel maps 20404 to not_found and the rest to the outage error", async () => {
    expect(cancelFailure(answer(20404, 404), context)).toEqual({ status: "not_found" });
    expectUnavailable(await thrown(sync(() => cancelFailure(answer(20429, 429, "", 2), context))));
    expectUnavailable(await thrown(sync(() => cancelFailure(answer(60200, 400), context))));
  });

  it("check throws the outage error for unknown codes and 5xx", async () => {
    expectUnavailable(await thrown(sync(() => checkFailure(answer(60203, 429), context))));
    expectUnavailable(await thrown(sync(() => checkFailure(answer(20500, 500), context))));
  });
});

describe("transport failures", () => {
  it.each([
    [
      "connection refused",
      axiosLike("ECONNREFUSED", `connect ECONNREFUSED; body To=${PHONE}&Code=${CODE}`),
      /ECONNREFUSED/,
    ],
    ["connection reset", axiosLike("ECONNRESET", "socket hang up"), /ECONNRESET/],
    ["axios timeout", axiosLike("ECONNABORTED", "timeout of 5000ms exceeded"), /no answer within 5000 ms/],
    ["deadline", Object.assign(new Error("no answer"), { name: "TimeoutError" }), /no answer within 5000 ms/],
    [
      "non-JSON body",
      new SyntaxError(`Unexpected token '<', "<html>${PHONE} ${CODE}" is not valid JSON`),
      /SyntaxError/,
    ],
  ])("%s throws one sanitised ERR_SF_PROVIDER_UNAVAILABLE", async (label, raw, message) => {
    // A timeout says so in its cause, so that the flow's log line and event report `timeout: true`.
    const timedOut = label === "axios timeout" || label === "deadline";
    for (const map of [startFailure, checkFailure, cancelFailure]) {
      const error = await thrown(sync(() => map(toTwilioFailure(raw), context)));
      expectUnavailable(error);
      expect(error.message).toMatch(message);
      const keys = (error.cause as { code?: string }).code === undefined ? ["name"] : ["code", "name"];
      expect(Object.keys(error.cause as object).sort()).toEqual(timedOut ? [...keys, "timedOut"] : keys);
      expectNothingSecret(error, [
        PHONE,
        CODE,
        AUTH_TOKEN,
        Buffer.from(`AC:${AUTH_TOKEN}`).toString("base64"),
      ]);
    }
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, and ignores the rest", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
    expect(parseRetryAfter(["7"], now)).toBe(7);
    expect(parseRetryAfter("Wed, 25 Nov 2026 12:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
