// The spec validator itself: it accepts the spec's own examples and rejects broken bodies, so the other tests can fail.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  expectService,
  expectServiceList,
  expectTwilioError,
  expectVerification,
  expectVerificationCheck,
  validateResponse,
  validateSchema,
} from "../helpers/openapi.js";

type Examples = Record<string, { value: Record<string, unknown> }>;
const spec = JSON.parse(
  readFileSync(new URL("../../spec/twilio_verify_v2.json", import.meta.url), "utf8"),
) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content: Record<string, { examples: Examples }> }> }>
  >;
};

function example(path: string, method: string, status: string, name: string): Record<string, unknown> {
  const value =
    spec.paths[path]?.[method]?.responses[status]?.content["application/json"]?.examples[name]?.value;
  if (value === undefined) throw new Error(`no example ${name}`);
  return structuredClone(value);
}

const verification = () =>
  example("/v2/Services/{ServiceSid}/Verifications", "post", "201", "createVerification");
const check = () =>
  example("/v2/Services/{ServiceSid}/VerificationCheck", "post", "200", "verificationChecks200");
const service = () => example("/v2/Services", "post", "201", "createRecord");
const list = () => example("/v2/Services", "get", "200", "readAll");
const error = () =>
  example("/v2/Services/{ServiceSid}/Verifications", "post", "429", "createVerificationRateLimitExceeded");

describe("the openapi helper", () => {
  it("accepts the spec's own examples", () => {
    expect(expectVerification(verification()).status).toBe("pending");
    expect(expectVerificationCheck(check()).status).toBe("approved");
    expect(expectService(service()).code_length).toBe(4);
    expect(expectServiceList(list()).meta.key).toBe("services");
    expect(expectTwilioError(error(), 20429).status).toBe(429);
  });

  it.each<[string, () => Record<string, unknown>, (body: Record<string, unknown>) => void]>([
    ["a missing date_updated", verification, (b) => delete b.date_updated],
    ["a missing send_code_attempts", verification, (b) => delete b.send_code_attempts],
    ["a numeric status", verification, (b) => (b.status = 1)],
    ["a string valid", verification, (b) => (b.valid = "false")],
    ["a VA sid as the verification sid", verification, (b) => (b.sid = b.service_sid)],
    ["a short sid", verification, (b) => (b.sid = "VE123")],
    ["channel voice", verification, (b) => (b.channel = "voice")],
    ["a null channel", verification, (b) => (b.channel = null)],
    ["a date that is not ISO 8601", verification, (b) => (b.date_created = "Thu, 30 Jul 2015 20:00:00")],
    ["a url that is not a URI", verification, (b) => (b.url = "not a url")],
    ["an extra field", verification, (b) => (b.code = "123456")],
  ])("rejects a verification with %s", (_what, make, breakIt) => {
    const body = make();
    breakIt(body);
    expect(() => expectVerification(body)).toThrow(/does not match verify\.v2\.service\.verification/);
  });

  it.each<[string, (body: Record<string, unknown>) => void]>([
    ["a url (checks have none)", (b) => (b.url = "https://verify.twilio.com/x")],
    ["no sna_attempts_error_codes", (b) => delete b.sna_attempts_error_codes],
    ["an AC sid as service_sid", (b) => (b.service_sid = b.account_sid)],
  ])("rejects a check with %s", (_what, breakIt) => {
    const body = check();
    breakIt(body);
    expect(() => expectVerificationCheck(body)).toThrow(/verification_check/);
  });

  it("rejects broken services, lists and errors", () => {
    const s = service();
    s.code_length = null;
    expect(() => expectService(s)).toThrow(/code_length/);
    const l = list();
    delete l.meta;
    expect(() => expectServiceList(l)).toThrow(/meta/);
    const m = list();
    (m.meta as Record<string, unknown>).page = "0";
    expect(() => expectServiceList(m)).toThrow(/page/);
    const e = error();
    delete e.more_info;
    expect(() => expectTwilioError(e)).toThrow(/more_info/);
    expect(() => expectTwilioError(error(), 20404)).toThrow(/Expected Twilio error 20404/);
    expect(() => expectTwilioError({ ...error(), more_info: "https://example.com" })).toThrow(/more_info/);
  });

  it("picks the schema from method, path and status", () => {
    const sid = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    validateResponse({
      method: "POST",
      path: `/v2/Services/${sid}/Verifications`,
      status: 201,
      body: verification(),
    });
    validateResponse({
      method: "GET",
      path: `/v2/Services/${sid}/Verifications/+15017122661`,
      status: 200,
      body: verification(),
    });
    validateResponse({
      method: "POST",
      path: `/v2/Services/${sid}/VerificationCheck`,
      status: 200,
      body: check(),
    });
    validateResponse({ method: "GET", path: "/v2/Services", status: 200, body: list() });
    validateResponse({ method: "DELETE", path: `/v2/Services/${sid}`, status: 204, body: undefined });
    validateResponse({
      method: "POST",
      path: `/v2/Services/${sid}/Verifications`,
      status: 429,
      body: error(),
    });
    expect(() =>
      validateResponse({
        method: "POST",
        path: `/v2/Services/${sid}/VerificationCheck`,
        status: 200,
        body: verification(),
      }),
    ).toThrow(/does not match the spec/);
    expect(() =>
      validateResponse({
        method: "POST",
        path: `/v2/Services/${sid}/Verifications`,
        status: 200,
        body: verification(),
      }),
    ).toThrow(/the spec lists 201/);
    expect(() =>
      validateResponse({
        method: "POST",
        path: `/v2/Services/${sid}/Verifications`,
        status: 500,
        body: error(),
      }),
    ).toThrow(/differs from HTTP status/);
    expect(() => validateSchema("no.such.schema", {})).toThrow(/unknown schema/);
  });

  it("is lenient only when asked", () => {
    const body = verification();
    delete body.lookup;
    expect(() => validateSchema("verify.v2.service.verification", body)).toThrow();
    expect(() => validateSchema("verify.v2.service.verification", body, { strict: false })).not.toThrow();
  });
});
