// Invariant 2: nothing but an `approved` answer from the provider, for a challenge this session started for this user's own destination (from the server, never the request), marks a session verified.
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import type { CheckVerificationResult } from "../../src/providers/index.js";
import type { SecondFactorRecord } from "../../src/record/index.js";
import { ALICE, FakeSession, harness, postForm, requestView, startChallenge } from "../helpers/core.js";

const notApproved: CheckVerificationResult[] = [
  { status: "pending", sid: "VE00000000000000000000000000000001" },
  { status: "max_attempts" },
  { status: "not_found" },
  { status: "rate_limited", retryAfterSeconds: 5 },
  { status: "invalid_code" },
];

describe("invariant 2: only the provider's approval of this session's challenge verifies", () => {
  it.each(notApproved)("an answer of $status does not verify", async (answer) => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    h.provider.checkAnswer = answer;
    await postForm(h, session, "verify", { code: "123456" });
    expect(session.value).not.toHaveProperty("verifiedAt");
    expect(h.core.guard().decide({}, requestView("/account"), session, ALICE)).not.toBe(NEXT);
  });

  it("an approval of another verification SID does not verify", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    h.provider.checkAnswer = {
      status: "approved",
      sid: "VE99999999999999999999999999999999",
      channel: "sms",
    };
    await postForm(h, session, "verify", { code: "123456" });
    expect(session.value).not.toHaveProperty("verifiedAt");
  });

  it("the code goes to the phone on file, whatever the request says", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    await postForm(h, session, "send", { channel: "call", to: "+447700900123", phone: "+447700900123" });
    expect(h.provider.starts.map((start) => start.to)).toEqual(["+15017122661", "+15017122661"]);
  });

  it("a challenge sent to an old phone number is void once the number on file changes", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const moved = { ...ALICE, phone: "+12025550199" };
    await postForm(h, session, "verify", { code: "123456" }, moved);
    expect(h.provider.checks).toHaveLength(0);
    expect(session.value).not.toHaveProperty("verifiedAt");
    expect((session.value as SecondFactorRecord).pending).toBeUndefined();
  });

  it("a session without a challenge is never verified by posting a code", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const other = new FakeSession();
    other.value = { ...(session.value as SecondFactorRecord), pending: undefined };
    await postForm(h, other, "verify", { code: "123456" });
    expect(other.value).not.toHaveProperty("verifiedAt");
    expect(h.provider.checks).toHaveLength(0);
  });
});
