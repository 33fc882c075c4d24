// Invariant 7: sends and checks have budgets (per session, user, destination and IP); 10 consecutive wrong codes lock the account for 15 minutes, doubling up to 24 hours, and no new code, resend or login resets the count; by default no user gets more than 5 sends per 10 minutes; refusals say when to retry and consume nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type BudgetKeys, createLimits } from "../../src/limits/index.js";

const secret = "invariant-7-secret-0123456789abcdef";

describe("invariant 7: budgets and the account lockout", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives no user more than 5 sends per 10 minutes, whatever the session, IP or number", async () => {
    const limits = createLimits({ secret, now: () => Date.now() });
    const outcomes = [];
    for (let login = 0; login < 8; login += 1) {
      outcomes.push(
        await limits.consumeSend({
          sessionKey: `login-${login}`,
          userId: "alice",
          destination: `+1202555010${login}`,
          ip: `2001:db8:${login}::1`,
        }),
      );
    }
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(5);
    const refusal = outcomes[7];
    expect(refusal).toEqual({ ok: false, scope: "user", retryAfterSeconds: 600 });
    vi.advanceTimersByTime(600_000);
    expect(
      await limits.consumeSend({ sessionKey: "later", userId: "alice", destination: "+12025550100" }),
    ).toEqual({
      ok: true,
    });
  });

  it("locks after 10 wrong codes across new codes, resends, re-logins and client IPs", async () => {
    const limits = createLimits({ secret, now: () => Date.now() });
    const wrongCodeResults = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      // Every attempt comes from a new login (session) and a new IP, after a fresh send.
      const keys: BudgetKeys = {
        sessionKey: `login-${attempt}`,
        userId: "alice",
        destination: "+15017122661",
        ip: `198.51.100.${attempt}`,
      };
      if (attempt % 5 === 0) vi.advanceTimersByTime(600_000);
      expect(await limits.consumeSend(keys)).toEqual({ ok: true });
      expect(await limits.consumeCheck(keys)).toEqual({ ok: true });
      wrongCodeResults.push(await limits.recordWrongCode("alice"));
    }
    expect(wrongCodeResults[8]).toEqual({ failures: 9, locked: false });
    expect(wrongCodeResults[9]).toEqual({
      failures: 10,
      locked: true,
      lockSeconds: 900,
      lockNumber: 1,
      newlyLocked: true,
    });
    const fresh: BudgetKeys = {
      sessionKey: "new-login",
      userId: "alice",
      destination: "+15017122661",
      ip: "203.0.113.7",
    };
    expect(await limits.consumeCheck(fresh)).toEqual({ ok: false, scope: "lock", retryAfterSeconds: 900 });
  });

  it("doubles each lock up to 24 hours, and waiting a lock out does not reset the doubling", async () => {
    const limits = createLimits({ secret, now: () => Date.now() });
    const lengths: number[] = [];
    for (let lock = 0; lock < 9; lock += 1) {
      let result = await limits.recordWrongCode("carol");
      for (let wrong = 1; wrong < 10; wrong += 1) result = await limits.recordWrongCode("carol");
      if (!result.locked) throw new Error("expected the 10th wrong code to lock");
      lengths.push(result.lockSeconds);
      vi.advanceTimersByTime(result.lockSeconds * 1000);
    }
    expect(lengths).toEqual([900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400]);
  });

  it("lets only a success or support's unlock end the run of wrong codes", async () => {
    const limits = createLimits({ secret, now: () => Date.now() });
    for (let wrong = 0; wrong < 9; wrong += 1) await limits.recordWrongCode("alice");
    await limits.consumeSend({ sessionKey: "resend", userId: "alice", destination: "+15017122661" });
    expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 9 });
    await limits.recordSuccess("alice");
    expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
    for (let wrong = 0; wrong < 10; wrong += 1) await limits.recordWrongCode("alice");
    expect(await limits.lockStatus("alice")).toMatchObject({ locked: true });
    await limits.unlock("alice");
    expect(await limits.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
  });

  it("refuses a check without spending any budget when refused", async () => {
    const limits = createLimits({
      secret,
      now: () => Date.now(),
      checks: { user: { points: 2, durationSeconds: 900 } },
    });
    const keys: BudgetKeys = {
      sessionKey: "s",
      userId: "alice",
      destination: "+15017122661",
      ip: "192.0.2.1",
    };
    for (let wrong = 0; wrong < 10; wrong += 1) await limits.recordWrongCode("alice");
    for (let refused = 0; refused < 5; refused += 1) {
      expect(await limits.consumeCheck(keys)).toMatchObject({ ok: false, scope: "lock" });
    }
    vi.advanceTimersByTime(900_000);
    expect(await limits.consumeCheck(keys)).toEqual({ ok: true });
    expect(await limits.consumeCheck(keys)).toEqual({ ok: true });
    expect(await limits.consumeCheck(keys)).toEqual({ ok: false, scope: "user", retryAfterSeconds: 900 });
  });
});
