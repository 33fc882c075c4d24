/**
 * The scenarios of several instances sharing one Redis store (a single server or a Cluster): every
 * budget, lock and single-use marker is shared, so spreading guesses, sends or approvals over instances
 * gains an attacker nothing (issue #6, DESIGN §4 rule 7). Call inside a `describe` whose `beforeAll`
 * fills the clients, one per instance.
 */
import { expect, it } from "vitest";
import { type BudgetKeys, createLimits, type Limits, type RedisClientLike } from "../../src/limits/index.js";
import { uniquePrefix } from "../redis/support.js";

const secret = "shared-test-secret-0123456789abcdef0123";

/**
 * Registers the shared-store scenarios; `clients` gives one client per instance once they are ready.
 * @example
 * describeSharedLimits(() => clients);
 */
export function describeSharedLimits(clients: () => readonly RedisClientLike[]): void {
  /** Three instances, each with its own client (as three processes would have), on one key prefix. */
  function instances(): Limits[] {
    const keyPrefix = uniquePrefix("shared");
    return clients().map((client) => createLimits({ secret, keyPrefix, store: { kind: "redis", client } }));
  }

  const alice = (overrides: Partial<BudgetKeys> = {}): BudgetKeys => ({
    sessionKey: "session-a",
    userId: "alice",
    destination: "+15017122661",
    ip: "198.51.100.7",
    ...overrides,
  });

  it("locks after 10 wrong codes spread over the instances, exactly as on one", async () => {
    const fleet = instances();
    const results = [];
    for (let wrong = 0; wrong < 10; wrong += 1) {
      const instance = fleet[wrong % fleet.length] as Limits;
      results.push(await instance.recordWrongCode("alice"));
    }
    expect(results.slice(0, 9).map((result) => result.locked)).toEqual(Array(9).fill(false));
    expect(results[8]).toEqual({ failures: 9, locked: false });
    expect(results[9]).toEqual({
      failures: 10,
      locked: true,
      lockSeconds: 900,
      lockNumber: 1,
      newlyLocked: true,
    });
    for (const instance of fleet) {
      expect(await instance.lockStatus("alice")).toEqual({
        locked: true,
        retryAfterSeconds: 900,
        failures: 10,
      });
      expect(await instance.consumeCheck(alice())).toEqual({
        ok: false,
        scope: "lock",
        retryAfterSeconds: 900,
      });
    }
    // Support's unlock on one instance ends the lock on all of them.
    await fleet[2]?.unlock("alice");
    for (const instance of fleet)
      expect(await instance.lockStatus("alice")).toEqual({ locked: false, failures: 0 });
  });

  it("counts wrong codes racing on every instance exactly, and reports the lock once", async () => {
    const fleet = instances();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (fleet[index % fleet.length] as Limits).recordWrongCode("carol"),
      ),
    );
    expect(results.map((result) => result.failures).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
    expect(results.filter((result) => result.locked && result.newlyLocked)).toHaveLength(1);
    expect(await fleet[0]?.lockStatus("carol")).toMatchObject({ locked: true, failures: 30 });
  });

  it("holds the send budget across instances: 5 per user, whichever instance sends", async () => {
    const fleet = instances();
    const outcomes = [];
    for (let send = 0; send < 8; send += 1) {
      const instance = fleet[send % fleet.length] as Limits;
      outcomes.push(await instance.consumeSend(alice({ sessionKey: `s${send}`, ip: `203.0.113.${send}` })));
    }
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(5);
    expect(outcomes.slice(5)).toEqual([
      expect.objectContaining({ ok: false, scope: "user" }),
      expect.objectContaining({ ok: false, scope: "user" }),
      expect.objectContaining({ ok: false, scope: "user" }),
    ]);
  });

  it("never lets more than the budget through when sends race on every instance, and the refused give back", async () => {
    const fleet = instances();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (fleet[index % fleet.length] as Limits).consumeSend(
          alice({ sessionKey: `r${index}`, ip: `192.0.2.${index}` }),
        ),
      ),
    );
    // Racing requests can refuse each other with points they give back a moment later (consume, then
    // give back): fewer than the budget may pass, never more.
    const passed = outcomes.filter((outcome) => outcome.ok).length;
    expect(passed).toBeLessThanOrEqual(5);
    for (const outcome of outcomes) if (!outcome.ok) expect(["user", "destination"]).toContain(outcome.scope);
    // Every refused send gave its points back: what is left of the budget is exactly 5 - passed.
    const after = [];
    for (let send = 0; send < 6; send += 1) {
      const instance = fleet[send % fleet.length] as Limits;
      after.push(await instance.consumeSend(alice({ sessionKey: `q${send}`, ip: `198.18.0.${send}` })));
    }
    expect(after.filter((outcome) => outcome.ok)).toHaveLength(5 - passed);
    // And a refused racer's own session has its point back: its whole budget of 5 is there for another user.
    const refusedIndex = outcomes.findIndex((outcome) => !outcome.ok);
    const bob = { userId: "bob", destination: "+15017122662", sessionKey: `r${refusedIndex}` };
    const again = [];
    for (let send = 0; send < 5; send += 1) {
      const instance = fleet[send % fleet.length] as Limits;
      again.push(await instance.consumeSend(alice({ ...bob, ip: `198.18.1.${send}` })));
    }
    expect(again.filter((outcome) => outcome.ok)).toHaveLength(5);
  });

  it("gives exactly one of 20 parallel claims across instances the marker", async () => {
    const fleet = instances();
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (fleet[index % fleet.length] as Limits).claimOnce("approval:VE0123456789abcdef", 60_000),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    // A release on another instance frees it for everyone.
    await fleet[1]?.release("approval:VE0123456789abcdef");
    expect(await fleet[2]?.claimOnce("approval:VE0123456789abcdef", 60_000)).toBe(true);
  });

  it("keeps apps with different key prefixes on one Redis apart", async () => {
    const [first] = instances();
    const [second] = instances();
    for (let wrong = 0; wrong < 10; wrong += 1) await first?.recordWrongCode("dave");
    expect(await first?.lockStatus("dave")).toMatchObject({ locked: true });
    expect(await second?.lockStatus("dave")).toEqual({ locked: false, failures: 0 });
  });
}
