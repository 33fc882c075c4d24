import { describe, expect, it } from "vitest";
import {
  attemptsLeft,
  isVerifiedFor,
  newRecord,
  RECORD_VERSION,
  readRecord,
  type SecondFactorRecord,
  withoutFields,
} from "../../src/record/index.js";

const NOW = 1_800_000_000_000;

function verified(
  overrides: Partial<Record<keyof SecondFactorRecord, unknown>> = {},
): Record<string, unknown> {
  return { ...newRecord("alice"), verifiedAt: NOW - 60_000, verifiedChannel: "sms", ...overrides };
}

describe("the session record", () => {
  it("starts fresh with a CSRF token and a budget key, and is plain JSON", () => {
    const record = newRecord("alice");
    expect(record).toMatchObject({ v: RECORD_VERSION, userId: "alice" });
    expect(record.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(record.key).not.toBe(newRecord("alice").key);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it("reads back a record passed by a method other than a code (no channel, its methods)", () => {
    const record = { ...newRecord("alice"), verifiedAt: NOW - 60_000, verifiedMethods: ["totp"] };
    expect(readRecord(JSON.parse(JSON.stringify(record)), "alice")).toEqual(record);
    // verifiedAt alone says by nothing: void.
    expect(readRecord({ ...newRecord("alice"), verifiedAt: NOW }, "alice")).toBeUndefined();
  });

  it("reads back a well-formed record of the same user", () => {
    const record = verified({ returnTo: "/account" });
    expect(readRecord(JSON.parse(JSON.stringify(record)), "alice")).toEqual(record);
  });

  it.each<[string, unknown]>([
    ["another user's record", verified({ userId: "mallory" })],
    ["an unknown version", verified({ v: 2 })],
    ["no version", verified({ v: undefined })],
    ["a string", "verified"],
    ["null", null],
    ["an array", [verified()]],
    ["a bad CSRF token", verified({ csrf: 5 })],
    ["verifiedAt without a channel", verified({ verifiedChannel: undefined })],
    ["a string verifiedAt", verified({ verifiedAt: "yesterday" })],
    ["an unknown channel", verified({ verifiedChannel: "pigeon" })],
    ["an unsafe return-to", verified({ returnTo: "//evil.example" })],
    ["a pending challenge of bad shape", verified({ pending: { sid: "VE1" } })],
    [
      "too many checks used",
      verified({
        pending: {
          sid: "VE1",
          channel: "sms",
          maskedDestination: "x",
          destinationKey: "k".repeat(43),
          sentAt: NOW,
          checksUsed: 6,
        },
      }),
    ],
    ["an unknown notice", verified({ notice: "hello" })],
  ])("voids %s", (_label, raw) => {
    expect(readRecord(raw, "alice")).toBeUndefined();
  });

  it("is verified for its user within maxAge, by an accepted channel", () => {
    const record = verified();
    expect(isVerifiedFor(record, "alice", NOW, undefined, undefined)).toBe(true);
    expect(isVerifiedFor(record, "alice", NOW, 60_000, undefined)).toBe(true);
    expect(isVerifiedFor(record, "alice", NOW, 59_999, undefined)).toBe(false);
    expect(isVerifiedFor(record, "alice", NOW, undefined, ["sms"])).toBe(true);
    expect(isVerifiedFor(record, "alice", NOW, undefined, ["call"])).toBe(false);
  });

  it("is not verified at all when the clock reads NaN, with or without a step-up window", () => {
    expect(isVerifiedFor(verified(), "alice", Number.NaN, undefined, undefined)).toBe(false);
    expect(isVerifiedFor(verified(), "alice", Number.NaN, 60_000, undefined)).toBe(false);
  });

  it("is not verified for another user, an unknown version, or a verifiedAt in the future", () => {
    expect(isVerifiedFor(verified(), "carol", NOW, undefined, undefined)).toBe(false);
    expect(isVerifiedFor(verified({ v: 0 }), "alice", NOW, undefined, undefined)).toBe(false);
    expect(isVerifiedFor(verified({ verifiedAt: NOW + 3_600_000 }), "alice", NOW, undefined, undefined)).toBe(
      false,
    );
    expect(isVerifiedFor(verified({ verifiedAt: Number.NaN }), "alice", NOW, undefined, undefined)).toBe(
      false,
    );
    expect(isVerifiedFor(newRecord("alice"), "alice", NOW, undefined, undefined)).toBe(false);
    expect(isVerifiedFor(undefined, "alice", NOW, undefined, undefined)).toBe(false);
  });

  it("counts attempts left per verification and copies without fields", () => {
    const pending = {
      sid: "VE1",
      channel: "sms" as const,
      maskedDestination: "x",
      destinationKey: "k",
      sentAt: NOW,
      checksUsed: 3,
    };
    expect(attemptsLeft(pending)).toBe(2);
    const record = { ...newRecord("alice"), pending, notice: "sent" as const };
    const copy = withoutFields(record, "pending", "notice");
    expect(copy).not.toHaveProperty("pending");
    expect(copy).not.toHaveProperty("notice");
    expect(record.pending).toBe(pending);
  });
});
