// Rule 3 for WebAuthn: a challenge is made for one session and one ceremony, expires soon, and of
// any number of uses exactly one succeeds, across everyone sharing the budget store.
import { describe, expect, it } from "vitest";
import {
  consumePasskeyChallenge,
  newPasskeyChallenge,
  PASSKEY_CHALLENGE_LIFETIME_MS,
  readPasskeyChallenge,
} from "../../../src/factors/passkey/index.js";
import { createLimits } from "../../../src/limits/index.js";

const T0 = 1_800_000_000_000;
const secret = "s".repeat(32);

describe("the passkey challenge", () => {
  it("is 32 random bytes that expire after a few minutes", () => {
    const challenge = newPasskeyChallenge("authentication", T0);
    expect(Buffer.from(challenge.value, "base64url")).toHaveLength(32);
    expect(challenge).toEqual({
      ceremony: "authentication",
      value: challenge.value,
      createdAt: T0,
      expiresAt: T0 + 180_000,
    });
    expect(PASSKEY_CHALLENGE_LIFETIME_MS).toBeGreaterThanOrEqual(120_000);
    expect(PASSKEY_CHALLENGE_LIFETIME_MS).toBeLessThanOrEqual(300_000);
    expect(newPasskeyChallenge("authentication", T0).value).not.toBe(challenge.value);
    expect(() => newPasskeyChallenge("authentication", T0, 0)).toThrow(RangeError);
    expect(() => newPasskeyChallenge("authentication", T0, 3_600_000)).toThrow(RangeError);
  });

  it("survives a trip through session JSON; anything malformed reads as no challenge", () => {
    const challenge = newPasskeyChallenge("registration", T0);
    expect(readPasskeyChallenge(JSON.parse(JSON.stringify(challenge)))).toEqual(challenge);
    for (const bad of [
      undefined,
      null,
      "x",
      { ...challenge, ceremony: "login" },
      { ...challenge, value: "short" },
      { ...challenge, createdAt: "1" },
      { ...challenge, expiresAt: T0 },
      { ...challenge, expiresAt: T0 + 3_600_000 },
      { ...challenge, expiresAt: Number.POSITIVE_INFINITY },
    ]) {
      expect(readPasskeyChallenge(bad)).toBeUndefined();
    }
  });

  it("is used once: the first use succeeds, every later one is refused", async () => {
    const limits = createLimits({ secret, now: () => T0 });
    const challenge = newPasskeyChallenge("authentication", T0);
    expect(await consumePasskeyChallenge(challenge, "authentication", T0, limits)).toEqual({
      ok: true,
      value: challenge.value,
    });
    expect(await consumePasskeyChallenge(challenge, "authentication", T0 + 1, limits)).toEqual({
      ok: false,
      reason: "used",
    });
  });

  it("is used once among concurrent uses, and across instances sharing the store", async () => {
    const limits = createLimits({ secret, now: () => T0 });
    const challenge = newPasskeyChallenge("authentication", T0);
    const uses = await Promise.all(
      Array.from({ length: 5 }, () => consumePasskeyChallenge(challenge, "authentication", T0, limits)),
    );
    expect(uses.filter((use) => use.ok)).toHaveLength(1);
  });

  it("is refused from its expiry on, before it is made (beyond clock skew), and for the other ceremony", async () => {
    const limits = createLimits({ secret, now: () => T0 });
    const challenge = newPasskeyChallenge("authentication", T0);
    const expired = await consumePasskeyChallenge(challenge, "authentication", challenge.expiresAt, limits);
    expect(expired).toEqual({ ok: false, reason: "expired" });
    const future = newPasskeyChallenge("authentication", T0 + 120_000);
    expect(await consumePasskeyChallenge(future, "authentication", T0, limits)).toEqual({
      ok: false,
      reason: "no_challenge",
    });
    expect(await consumePasskeyChallenge(challenge, "registration", T0, limits)).toEqual({
      ok: false,
      reason: "no_challenge",
    });
    // None of these refusals spent it.
    expect((await consumePasskeyChallenge(challenge, "authentication", T0, limits)).ok).toBe(true);
  });

  it("fails closed when the budget store fails", async () => {
    const challenge = newPasskeyChallenge("authentication", T0);
    const markers = { claimOnce: () => Promise.reject(new Error("ETIMEDOUT")) };
    await expect(consumePasskeyChallenge(challenge, "authentication", T0, markers)).rejects.toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
      headers: { "Retry-After": "5" },
    });
  });
});
