// The second factor's status for apps to show: what a guard would decide from the same record on the
// same clock; a void record (another user's, unknown version, bad shape) is "not verified"; never a code
// or a full destination.
import { describe, expect, it } from "vitest";
import { newRecord, type SecondFactorRecord } from "../../src/record/index.js";
import { secondFactorStatus } from "../../src/status.js";
import { ALICE, FakeSession, harness, startChallenge, verifySession } from "../helpers/core.js";

const NOW = 1_800_000_000_000;
const FIVE_MINUTES = 300_000;

function verifiedRecord(
  overrides: Partial<Record<keyof SecondFactorRecord, unknown>> = {},
): Record<string, unknown> {
  return { ...newRecord("alice"), verifiedAt: NOW - 60_000, verifiedChannel: "sms", ...overrides };
}

const PENDING = {
  sid: "VE00000000000000000000000000000001",
  channel: "call",
  maskedDestination: "•••• •••• 2661",
  destinationKey: "d".repeat(43),
  sentAt: NOW - 1000,
  checksUsed: 1,
};

describe("secondFactorStatus", () => {
  it("reports a verified record of this user with its time (a Date) and channel", () => {
    expect(secondFactorStatus(verifiedRecord(), "alice", NOW)).toEqual({
      verified: true,
      verifiedAt: new Date(NOW - 60_000),
      channel: "sms",
      methods: ["sms"],
      phishingResistant: false,
      pending: null,
    });
  });

  it("says whether a step-up with maxAge would pass, and until when, on the app clock", () => {
    const record = verifiedRecord();
    expect(secondFactorStatus(record, "alice", NOW, { maxAge: "5m" })).toMatchObject({
      verified: true,
      stepUpOpen: true,
      stepUpOpenUntil: new Date(NOW - 60_000 + FIVE_MINUTES),
    });
    const later = NOW - 60_000 + FIVE_MINUTES + 1;
    expect(secondFactorStatus(record, "alice", later, { maxAge: FIVE_MINUTES })).toMatchObject({
      verified: true,
      stepUpOpen: false,
      stepUpOpenUntil: new Date(NOW - 60_000 + FIVE_MINUTES),
    });
    expect(secondFactorStatus(record, "alice", NOW)).not.toHaveProperty("stepUpOpen");
  });

  it.each<[string, unknown, string | null]>([
    ["no record", undefined, "alice"],
    ["no user", verifiedRecord(), null],
    ["another user's record", verifiedRecord(), "mallory"],
    ["an unknown version", verifiedRecord({ v: 2 }), "alice"],
    ["a time that is not a number", verifiedRecord({ verifiedAt: String(NOW) }), "alice"],
    ["an unknown channel", verifiedRecord({ verifiedChannel: "pigeon" }), "alice"],
    ["a bad CSRF token", verifiedRecord({ csrf: "short" }), "alice"],
    ["a time far in the future", verifiedRecord({ verifiedAt: NOW + 3_600_000 }), "alice"],
    ["an array", [verifiedRecord()], "alice"],
  ])("counts %s as not verified", (_name, raw, userId) => {
    expect(secondFactorStatus(raw, userId, NOW, { maxAge: "5m" })).toEqual({
      verified: false,
      pending: null,
    });
  });

  it("reports a pending code by channel and masked destination only", () => {
    const status = secondFactorStatus({ ...newRecord("alice"), pending: PENDING }, "alice", NOW);
    expect(status).toEqual({
      verified: false,
      pending: { channel: "call", channels: ["call"], maskedDestination: "•••• •••• 2661" },
    });
    expect(JSON.stringify(status)).not.toContain(PENDING.sid);
    expect(JSON.stringify(status)).not.toContain(PENDING.destinationKey);
  });

  it.each<[string, unknown]>([
    ["a maxAge in words", { maxAge: "5 minutes" }],
    ["a zero maxAge", { maxAge: 0 }],
    ["an unknown option", { maxAgee: "5m" }],
    ["a request in place of options", { method: "GET", headers: {} }],
    ["a string", "5m"],
  ])("refuses %s with ERR_SF_INVALID_OPTION", (_name, options) => {
    expect(() =>
      secondFactorStatus(verifiedRecord(), "alice", NOW, options as { maxAge: string }),
    ).toThrowError(expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }));
  });

  it("refuses a clock reading that is not a number", () => {
    expect(() => secondFactorStatus(undefined, "alice", Number.NaN)).toThrowError(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });
});

describe("the core's status", () => {
  it("follows the flow: nothing, then a pending code, then verified; never the code or the number", async () => {
    const h = harness();
    const session = new FakeSession();
    expect(h.core.status(session.readRecord(), ALICE)).toEqual({ verified: false, pending: null });

    await startChallenge(h, session);
    const pending = h.core.status(session.readRecord(), ALICE);
    expect(pending).toEqual({
      verified: false,
      pending: { channel: "sms", channels: ["sms"], maskedDestination: "•••• •••• 2661" },
    });

    const sessionB = new FakeSession();
    await verifySession(h, sessionB);
    const verified = h.core.status(sessionB.readRecord(), ALICE, { maxAge: "5m" });
    expect(verified).toEqual({
      verified: true,
      verifiedAt: new Date(h.clock.ms),
      channel: "sms",
      methods: ["sms"],
      phishingResistant: false,
      pending: null,
      stepUpOpen: true,
      stepUpOpenUntil: new Date(h.clock.ms + FIVE_MINUTES),
    });
    h.clock.advance(FIVE_MINUTES + 1);
    expect(h.core.status(sessionB.readRecord(), ALICE, { maxAge: "5m" })).toMatchObject({
      verified: true,
      stepUpOpen: false,
    });
    const shown = JSON.stringify([pending, verified]);
    expect(shown).not.toContain(ALICE.phone);
    expect(shown).not.toContain(h.provider.code);
  });

  it("is void for another user and for no user", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    expect(h.core.status(session.readRecord(), ALICE).verified).toBe(true);
    expect(h.core.status(session.readRecord(), { id: "carol", phone: "+12025550123" })).toEqual({
      verified: false,
      pending: null,
    });
    expect(h.core.status(session.readRecord(), null)).toEqual({ verified: false, pending: null });
  });

  it("drops a pending code the flow would drop: the user's phone changed", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    expect(h.core.status(session.readRecord(), ALICE).pending).not.toBeNull();
    expect(h.core.status(session.readRecord(), { ...ALICE, phone: "+15017120000" })).toEqual({
      verified: false,
      pending: null,
    });
  });

  it("validates its options", () => {
    const h = harness();
    expect(() => h.core.status(undefined, ALICE, { maxAge: "soon" })).toThrowError(
      expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
    );
  });
});
