import { expect } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import type { SecondFactorRecord } from "../../src/record/index.js";
import { type FakeSession, header } from "../helpers/core.js";

/** The second-factor record a fake session holds. */
export function record(session: FakeSession): SecondFactorRecord {
  return session.value as SecondFactorRecord;
}

/** Every answer of the flow carries these (DESIGN §5). */
export function expectSecurityHeaders(decision: Decision): void {
  expect(header(decision, "cache-control")).toBe("no-store");
  const csp = header(decision, "content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
  expect(header(decision, "referrer-policy")).toBe("no-referrer");
  expect(header(decision, "x-content-type-options")).toBe("nosniff");
  expect(header(decision, "access-control-allow-origin")).toBeUndefined();
}

/** A provider outage as a provider throws it. */
export const unavailable = (): SecondFactorError =>
  new SecondFactorError("ERR_SF_PROVIDER_UNAVAILABLE", "Twilio did not answer", {
    status: 503,
    headers: { "Retry-After": "7" },
  });
