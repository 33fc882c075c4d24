/**
 * The conformance suite of {@link Limits}: the behaviour every store must show (the memory store, the
 * Redis store, and any store an app brings), in the style of Lucia's `testAdapter`. Each scenario runs
 * on the app clock (`now`) for locks and markers; budget windows are never advanced here, since a
 * shared store keeps them on its own clock (the memory-only tests advance them with fake timers).
 *
 * Call it inside a test file: `describeLimitsConformance("memory", { make: (options) => createLimits(...) })`.
 */
import { describe, expect, it } from "vitest";
import type { BudgetKeys, Limits, LimitsOptions, WrongCodeResult } from "../../src/limits/index.js";

/** Options a scenario may set; the harness adds the secret (unless given) and its store. */
export type ConformanceOptions = Omit<LimitsOptions, "secret" | "store"> & { secret?: string };

/** How the suite gets limits on the store under test. */
export interface LimitsConformanceHarness {
  /**
   * A new {@link Limits} on the store under test, sharing no state with any other one this harness made
   * (e.g. a fresh key prefix on a shared Redis), unless the options name the same `keyPrefix`.
   */
  make(options?: ConformanceOptions): Limits;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = Date.UTC(2030, 0, 1);
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

function keys(overrides: Partial<BudgetKeys> = {}): BudgetKeys {
  return {
    sessionKey: "session-1",
    userId: "user-1",
    destination: "+15017122661",
    ip: "192.0.2.1",
    ...overrides,
  };
}

async function sendsAccepted(
  limits: Limits,
  count: number,
  make: (index: number) => BudgetKeys,
): Promise<number> {
  let accepted = 0;
  for (let index = 0; index < count; index += 1) {
    if ((await limits.consumeSend(make(index))).ok) accepted += 1;
  }
  return accepted;
}

async function wrongCodes(limits: Limits, userId: string, count: number): Promise<WrongCodeResult> {
  let last: WrongCodeResult | undefined;
  for (let index = 0; index < count; index += 1) last = await limits.recordWrongCode(userId);
  if (last === undefined) throw new Error("no wrong code recorded");
  return last;
}

/**
 * Declares the conformance tests of a {@link Limits} store.
 * @example
 * describeLimitsConformance("memory", { make: (options) => createLimits({ secret, ...options }) });
 */
export function describeLimitsConformance(storeName: string, harness: LimitsConformanceHarness): void {
  const lockoutSetup = (options: ConformanceOptions = {}) => {
    const time = clock();
    return { limits: harness.make({ now: time.now, ...options }), advance: time.advance };
  };

  describe(`limits conformance (${storeName}): account lockout`, () => {
    it("counts wrong codes and locks at the 10th for 15 minutes", async () => {
      const { limits } = lockoutSetup();
      expect(await limits.recordWrongCode("alice")).toEqual({ failures: 1, locked: false });
      expect(await wrongCodes(limits, "alice", 8)).toEqual({ failures: 9, locked: false });
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 9 });
      expect(await limits.recordWrongCode("alice")).toEqual({
        failures: 10,
        locked: true,
        lockSeconds: 900,
        lockNumber: 1,
        newlyLocked: true,
      });
      expect(await limits.lockStatus("alice")).toEqual({
        locked: true,
        retryAfterSeconds: 900,
        failures: 10,
      });
      expect(await limits.lockStatus("bob")).toEqual({ locked: false, failures: 0 });
    });

    it("refuses checks while locked without spending budget, and lets them through after", async () => {
      const { limits, advance } = lockoutSetup({ checks: { session: { points: 1, durationSeconds: 3600 } } });
      const checkKeys = keys({ sessionKey: "s", userId: "alice" });
      await wrongCodes(limits, "alice", 10);
      advance(10 * MINUTE);
      expect(await limits.consumeCheck(checkKeys)).toEqual({
        ok: false,
        scope: "lock",
        retryAfterSeconds: 300,
      });
      advance(5 * MINUTE - 1);
      expect(await limits.consumeCheck(checkKeys)).toEqual({
        ok: false,
        scope: "lock",
        retryAfterSeconds: 1,
      });
      advance(1);
      // The session's only check point was never spent by the refusals above.
      expect(await limits.consumeCheck(checkKeys)).toEqual({ ok: true });
      expect(await limits.consumeCheck(checkKeys)).toMatchObject({ ok: false, scope: "session" });
    });

    it("doubles each further lock: 15m, 30m, 1h, 2h, 4h, 8h, 16h, then 24h at the cap", async () => {
      const { limits, advance } = lockoutSetup();
      const seen: number[] = [];
      for (let lock = 1; lock <= 10; lock += 1) {
        const result = await wrongCodes(limits, "alice", 10);
        if (!result.locked) throw new Error(`lock ${lock} did not happen`);
        expect(result.lockNumber).toBe(lock);
        expect(result.failures).toBe(10);
        seen.push(result.lockSeconds);
        // Waiting the lock out (plus a little) must not reset the doubling.
        advance(result.lockSeconds * 1000 + MINUTE);
        expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
      }
      expect(seen).toEqual([900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400, 86_400]);
    });

    it("restarts the count after a lock ends: the next 10 wrong codes lock again", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      advance(15 * MINUTE);
      expect(await wrongCodes(limits, "alice", 9)).toEqual({ failures: 9, locked: false });
      expect(await limits.recordWrongCode("alice")).toMatchObject({
        locked: true,
        lockNumber: 2,
        lockSeconds: 1800,
      });
    });

    it("keeps the lock number for 24 hours after the lock ends, then forgets it", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      advance(15 * MINUTE + 24 * HOUR - 1);
      expect(await wrongCodes(limits, "alice", 10)).toMatchObject({ lockNumber: 2, lockSeconds: 1800 });

      const other = lockoutSetup();
      await wrongCodes(other.limits, "carol", 10);
      other.advance(15 * MINUTE + 24 * HOUR);
      expect(await wrongCodes(other.limits, "carol", 10)).toMatchObject({ lockNumber: 1, lockSeconds: 900 });
    });

    it("forgets a run of wrong codes only 24 hours after the last one", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 5);
      advance(23 * HOUR);
      expect(await limits.recordWrongCode("alice")).toEqual({ failures: 6, locked: false });
      advance(24 * HOUR - 1);
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 6 });
      advance(1);
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
    });

    it("ends the run on a success, but keeps the lock number", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      advance(15 * MINUTE);
      await wrongCodes(limits, "alice", 9);
      await limits.recordSuccess("alice");
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
      expect(await wrongCodes(limits, "alice", 9)).toEqual({ failures: 9, locked: false });
      expect(await limits.recordWrongCode("alice")).toMatchObject({ locked: true, lockNumber: 2 });
    });

    it("lets support unlock: the lock and the count end, the doubling does not", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      await limits.unlock("alice");
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
      expect(await limits.recordWrongCode("alice")).toEqual({ failures: 1, locked: false });
      expect(await wrongCodes(limits, "alice", 9)).toMatchObject({
        locked: true,
        lockNumber: 2,
        lockSeconds: 1800,
      });
      await limits.unlock("nobody");
      expect(await limits.lockStatus("nobody")).toEqual({ locked: false, failures: 0 });
    });

    it("reports a wrong code whose check was in flight when the lock began, without a new lock", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      advance(MINUTE);
      expect(await limits.recordWrongCode("alice")).toEqual({
        failures: 11,
        locked: true,
        lockSeconds: 840,
        lockNumber: 1,
        newlyLocked: false,
      });
      expect(await limits.lockStatus("alice")).toMatchObject({ locked: true, retryAfterSeconds: 840 });
    });

    it("counts wrong codes that race on one account exactly, and reports the lock once", async () => {
      const { limits } = lockoutSetup();
      const results = await Promise.all(Array.from({ length: 25 }, () => limits.recordWrongCode("alice")));
      expect(results.map((result) => result.failures).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 25 }, (_, index) => index + 1),
      );
      expect(results.filter((result) => result.locked && result.newlyLocked)).toHaveLength(1);
      expect(await limits.lockStatus("alice")).toEqual({
        locked: true,
        retryAfterSeconds: 900,
        failures: 25,
      });
    });

    it("keeps separate accounts separate", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 10);
      expect(await limits.recordWrongCode("carol")).toEqual({ failures: 1, locked: false });
    });

    it("follows the configured threshold, base and cap", async () => {
      const { limits, advance } = lockoutSetup({
        lockout: { threshold: 3, baseSeconds: 60, maxSeconds: 150 },
      });
      const lengths: number[] = [];
      for (let lock = 0; lock < 3; lock += 1) {
        const result = await wrongCodes(limits, "alice", 3);
        if (!result.locked) throw new Error("expected a lock");
        lengths.push(result.lockSeconds);
        advance(result.lockSeconds * 1000);
      }
      expect(lengths).toEqual([60, 120, 150]);
    });

    it("refuses an empty user id with a clear error", async () => {
      const { limits } = lockoutSetup();
      await expect(limits.recordWrongCode("")).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining("userId"),
      });
      await expect(limits.lockStatus(undefined as unknown as string)).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
      });
    });
  });

  describe(`limits conformance (${storeName}): reserve before you check`, () => {
    const HOLD_MS = 8_000;

    it("lets exactly one of many concurrent checks through at 9 wrong codes of 10", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 9);
      const holds = await Promise.all(
        Array.from({ length: 20 }, () => limits.reserveCheck("alice", HOLD_MS)),
      );
      expect(holds.filter((hold) => hold.ok)).toHaveLength(1);
      // The others wait for the one in flight to be decided, not for a lock.
      expect(holds.filter((hold) => !hold.ok)).toEqual(
        Array.from({ length: 19 }, () => ({ ok: false, locked: false, retryAfterSeconds: 8 })),
      );
    });

    it("never holds more slots than failures left, whatever the concurrency", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 4);
      const holds = await Promise.all(
        Array.from({ length: 30 }, () => limits.reserveCheck("alice", HOLD_MS)),
      );
      expect(holds.filter((hold) => hold.ok)).toHaveLength(6);
    });

    it("turns a hold into the failure when wrong, frees it when right or released", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 8);
      const first = await limits.reserveCheck("alice", HOLD_MS);
      const second = await limits.reserveCheck("alice", HOLD_MS);
      if (!first.ok || !second.ok) throw new Error("expected two holds");
      expect(await limits.reserveCheck("alice", HOLD_MS)).toMatchObject({ ok: false, locked: false });
      await limits.releaseCheck("alice", first.hold);
      const third = await limits.reserveCheck("alice", HOLD_MS);
      if (!third.ok) throw new Error("a released hold frees its slot");
      expect(await limits.recordWrongCode("alice", second.hold)).toEqual({ failures: 9, locked: false });
      expect(await limits.recordSuccess("alice", third.hold)).toEqual({ locked: false, failures: 0 });
      const holds = await Promise.all(
        Array.from({ length: 12 }, () => limits.reserveCheck("alice", HOLD_MS)),
      );
      expect(holds.filter((hold) => hold.ok)).toHaveLength(10);
    });

    it("locks at the threshold through held checks; a right code then does not count and reports the lock", async () => {
      const { limits } = lockoutSetup();
      await wrongCodes(limits, "alice", 9);
      const wrong = await limits.reserveCheck("alice", HOLD_MS);
      if (!wrong.ok) throw new Error("expected a hold");
      expect(await limits.recordWrongCode("alice", wrong.hold)).toMatchObject({
        locked: true,
        newlyLocked: true,
      });
      expect(await limits.reserveCheck("alice", HOLD_MS)).toEqual({
        ok: false,
        locked: true,
        retryAfterSeconds: 900,
      });
      expect(await limits.recordSuccess("alice")).toMatchObject({ locked: true, failures: 10 });
      expect(await limits.lockStatus("alice")).toMatchObject({ locked: true, failures: 10 });
    });

    it("frees a hold by itself after its TTL (a process that died mid-check)", async () => {
      const { limits, advance } = lockoutSetup();
      await wrongCodes(limits, "alice", 9);
      expect(await limits.reserveCheck("alice", HOLD_MS)).toMatchObject({ ok: true });
      expect(await limits.reserveCheck("alice", HOLD_MS)).toMatchObject({ ok: false });
      advance(HOLD_MS);
      expect(await limits.reserveCheck("alice", HOLD_MS)).toMatchObject({ ok: true });
      expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 9 });
    });

    it("keeps a hold of an account with no failures yet", async () => {
      const { limits } = lockoutSetup({ lockout: { threshold: 1 } });
      expect(await limits.reserveCheck("carol", HOLD_MS)).toMatchObject({ ok: true });
      expect(await limits.reserveCheck("carol", HOLD_MS)).toMatchObject({ ok: false, locked: false });
    });

    it("refuses a TTL that is not a positive number of ms, and an empty hold", async () => {
      const { limits } = lockoutSetup();
      for (const ttl of [0, -1, Number.NaN, 3_600_000]) {
        await expect(limits.reserveCheck("alice", ttl)).rejects.toMatchObject({
          code: "ERR_SF_MISCONFIGURED",
        });
      }
      await expect(limits.releaseCheck("alice", "")).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    });
  });

  describe(`limits conformance (${storeName}): single-use markers`, () => {
    it("is true exactly once among 20 parallel claims", async () => {
      const limits = harness.make();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => limits.claimOnce("approval:VE123", 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("stays claimed for ttlMs on the app clock, then can be claimed again", async () => {
      const time = clock();
      const limits = harness.make({ now: time.now });
      expect(await limits.claimOnce("k", 1000)).toBe(true);
      time.advance(999);
      expect(await limits.claimOnce("k", 1000)).toBe(false);
      time.advance(1);
      expect(await limits.claimOnce("k", 1000)).toBe(true);
      expect(await limits.claimOnce("other", 1000)).toBe(true);
    });

    it("can be released early", async () => {
      const limits = harness.make();
      expect(await limits.claimOnce("send:session-1", 60_000)).toBe(true);
      expect(await limits.claimOnce("send:session-1", 60_000)).toBe(false);
      await limits.release("send:session-1");
      expect(await limits.claimOnce("send:session-1", 60_000)).toBe(true);
      await limits.release("never-claimed");
    });

    it("refuses bad keys and lifetimes instead of claiming", async () => {
      const limits = harness.make();
      for (const ttl of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 31 * 86_400_000]) {
        await expect(limits.claimOnce("k", ttl)).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
      }
      await expect(limits.claimOnce("", 1000)).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
      await expect(limits.release("")).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
      // Nothing was claimed by the refused calls.
      expect(await limits.claimOnce("k", 1000)).toBe(true);
    });
  });

  describe(`limits conformance (${storeName}): send and check budgets`, () => {
    it("allows 5 sends per session, then refuses with the seconds left in the window", async () => {
      const limits = harness.make();
      expect(await sendsAccepted(limits, 5, () => keys())).toBe(5);
      expect(await limits.consumeSend(keys())).toEqual({
        ok: false,
        scope: "session",
        retryAfterSeconds: 600,
      });
    });

    it("allows 5 sends per user across sessions, IPs and destinations", async () => {
      const limits = harness.make();
      const accepted = await sendsAccepted(limits, 8, (index) =>
        keys({ sessionKey: `s${index}`, ip: `198.51.100.${index}`, destination: `+1202555010${index}` }),
      );
      expect(accepted).toBe(5);
      const refused = await limits.consumeSend(
        keys({ sessionKey: "s-new", ip: "203.0.113.9", destination: "+12025550999" }),
      );
      expect(refused).toMatchObject({ ok: false, scope: "user" });
    });

    it("allows 5 sends per destination across users", async () => {
      const limits = harness.make();
      const accepted = await sendsAccepted(limits, 7, (index) =>
        keys({ sessionKey: `s${index}`, userId: `u${index}`, ip: `198.51.100.${index}` }),
      );
      expect(accepted).toBe(5);
      expect(
        await limits.consumeSend(keys({ sessionKey: "x", userId: "x", ip: "203.0.113.1" })),
      ).toMatchObject({
        ok: false,
        scope: "destination",
      });
    });

    it("counts an e-mail destination case-insensitively", async () => {
      const limits = harness.make({ sends: { destination: { points: 1, durationSeconds: 600 } } });
      expect(await limits.consumeSend(keys({ destination: "Alice@Example.com" }))).toEqual({ ok: true });
      expect(
        await limits.consumeSend(keys({ sessionKey: "s2", userId: "u2", destination: "alice@example.COM " })),
      ).toMatchObject({ ok: false, scope: "destination" });
    });

    it("allows 20 sends per IP, grouping IPv6 by /64 and mapped IPv4 with IPv4", async () => {
      const limits = harness.make();
      const v6 = await sendsAccepted(limits, 21, (index) =>
        keys({
          sessionKey: `s${index}`,
          userId: `u${index}`,
          destination: `d${index}`,
          ip: `2001:db8:7:7::${index.toString(16)}`,
        }),
      );
      expect(v6).toBe(20);
      expect(
        await limits.consumeSend(
          keys({ sessionKey: "o", userId: "o", destination: "o", ip: "2001:db8:7:8::1" }),
        ),
      ).toEqual({ ok: true });
      const v4 = await sendsAccepted(limits, 20, (index) =>
        keys({ sessionKey: `t${index}`, userId: `v${index}`, destination: `e${index}`, ip: "192.0.2.50" }),
      );
      expect(v4).toBe(20);
      expect(
        await limits.consumeSend(
          keys({ sessionKey: "p", userId: "p", destination: "p", ip: "::ffff:192.0.2.50" }),
        ),
      ).toMatchObject({ ok: false, scope: "ip" });
    });

    it("puts junk and missing IPs in one shared unknown bucket", async () => {
      const limits = harness.make({ sends: { ip: { points: 2, durationSeconds: 600 } } });
      expect(
        await limits.consumeSend(keys({ sessionKey: "a", userId: "a", destination: "a", ip: "nonsense" })),
      ).toEqual({ ok: true });
      expect(
        await limits.consumeSend(keys({ sessionKey: "b", userId: "b", destination: "b", ip: undefined })),
      ).toEqual({ ok: true });
      expect(
        await limits.consumeSend(keys({ sessionKey: "c", userId: "c", destination: "c", ip: "" })),
      ).toMatchObject({ ok: false, scope: "ip" });
    });

    it("is all or nothing: a refused send takes no point from the other scopes", async () => {
      const limits = harness.make({ sends: { ip: { points: 1, durationSeconds: 600 } } });
      expect(
        await limits.consumeSend(keys({ sessionKey: "other", userId: "other", destination: "other" })),
      ).toEqual({ ok: true });
      // The IP is now spent: ten refused attempts must leave the session, user and destination untouched.
      for (let attempt = 0; attempt < 10; attempt += 1) {
        expect(await limits.consumeSend(keys())).toMatchObject({ ok: false, scope: "ip" });
      }
      expect(await sendsAccepted(limits, 6, (index) => keys({ ip: `203.0.113.${index}` }))).toBe(5);
    });

    it("gives back the refused scope's own point too, so racing refusals cannot refuse a later send", async () => {
      const limits = harness.make({
        sends: { ip: { points: 2, durationSeconds: 600 }, user: { points: 1, durationSeconds: 600 } },
      });
      expect(await limits.consumeSend(keys({ userId: "spent", ip: "203.0.113.1" }))).toEqual({ ok: true });
      expect(
        await limits.consumeSend(keys({ sessionKey: "s0", userId: "first", destination: "d0" })),
      ).toEqual({
        ok: true,
      });
      // Two sends race from the same IP: one is refused on its user (spent), the other on the IP.
      const [onUser, onIp] = await Promise.all([
        limits.consumeSend(keys({ sessionKey: "s1", userId: "spent", destination: "d1" })),
        limits.consumeSend(keys({ sessionKey: "s2", userId: "second", destination: "d2" })),
      ]);
      expect(onUser).toMatchObject({ ok: false, scope: "user" });
      expect(onIp).toMatchObject({ ok: false, scope: "ip" });
      // Only one send from this IP was accepted, so one more fits.
      expect(
        await limits.consumeSend(keys({ sessionKey: "s3", userId: "third", destination: "d3" })),
      ).toEqual({
        ok: true,
      });
    });

    it("reports the scope that refuses longest when several refuse", async () => {
      const limits = harness.make({
        sends: { session: { points: 1, durationSeconds: 60 }, user: { points: 1, durationSeconds: 3600 } },
      });
      expect(await limits.consumeSend(keys())).toEqual({ ok: true });
      expect(await limits.consumeSend(keys())).toEqual({ ok: false, scope: "user", retryAfterSeconds: 3600 });
    });

    it("lets exactly the budget through when 30 sends race", async () => {
      const limits = harness.make();
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          limits.consumeSend(keys({ sessionKey: `s${index}`, ip: `198.51.100.${index}` })),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(5);
    });

    it("keeps sends and checks apart, with the check defaults", async () => {
      const limits = harness.make();
      expect(await sendsAccepted(limits, 5, () => keys())).toBe(5);
      let checks = 0;
      for (let attempt = 0; attempt < 12; attempt += 1) {
        if ((await limits.consumeCheck(keys())).ok) checks += 1;
      }
      expect(checks).toBe(10);
      expect(await limits.consumeCheck(keys())).toEqual({
        ok: false,
        scope: "session",
        retryAfterSeconds: 900,
      });
      let userChecks = 10;
      for (let attempt = 0; attempt < 15; attempt += 1) {
        if ((await limits.consumeCheck(keys({ sessionKey: `s${attempt}`, ip: `198.51.100.${attempt}` }))).ok)
          userChecks += 1;
      }
      expect(userChecks).toBe(20);
    });

    it("refuses keys that are missing or empty with a clear error, not a pass", async () => {
      const limits = harness.make();
      await expect(limits.consumeSend(keys({ userId: "" }))).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining("keys.userId"),
      });
      await expect(
        limits.consumeCheck(keys({ destination: undefined as unknown as string })),
      ).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining("keys.destination"),
      });
      await expect(limits.consumeSend(null as unknown as BudgetKeys)).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
      });
    });
  });
}
