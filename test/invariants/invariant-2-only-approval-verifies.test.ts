// Invariant 2: nothing but an `approved` answer from the provider, for a challenge this session started for this user's own destination (from the server, never the request), marks a session verified.
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import type { CheckVerificationResult } from "../../src/providers/index.js";
import type { SecondFactorRecord } from "../../src/record/index.js";
import {
  ALICE,
  FakeSession,
  harness,
  postForm,
  requestView,
  showPage,
  startChallenge,
} from "../helpers/core.js";

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

  // Twilio keeps the Verify SID and the code when a pending verification is re-sent over another
  // channel: the code typed may have been read from any of them (issue 11, item 1).
  it("a code sent over several channels records them all: a route refusing any of them is not met", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    await postForm(h, session, "send", { channel: "call" });
    await postForm(h, session, "send", { channel: "sms" });
    const pending = (session.value as SecondFactorRecord).pending;
    expect(h.provider.starts.map((start) => start.channel)).toEqual(["call", "sms"]);
    expect(pending).toMatchObject({ channel: "sms", channels: ["call", "sms"] });

    await postForm(h, session, "verify", { code: h.provider.code });
    expect(session.value).toMatchObject({ verifiedChannel: "sms", verifiedMethods: ["call", "sms"] });
    const decide = (channels?: ["sms"] | ["call"] | ["sms", "call"]) =>
      h.core
        .guard(channels === undefined ? undefined : { channels })
        .decide({}, requestView("/a"), session, ALICE);
    expect(await decide(["sms"])).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(await decide(["call"])).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(await decide(["sms", "call"])).toBe(NEXT);
    expect(await decide()).toBe(NEXT);
    expect(h.core.status(session.value, ALICE)).toMatchObject({ channel: "sms", methods: ["call", "sms"] });
  });

  it("a fresh verification after a switch records only its own channel", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const first = (session.value as SecondFactorRecord).pending;
    h.provider.expire(first?.sid ?? "");
    await postForm(h, session, "send", { channel: "call" });
    expect((session.value as SecondFactorRecord).pending).toMatchObject({ channels: ["call"] });
    await postForm(h, session, "verify", { code: h.provider.code });
    expect(session.value).toMatchObject({ verifiedMethods: ["call"] });
  });
});
