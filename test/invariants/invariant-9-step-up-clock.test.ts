// Invariant 9: step-up maxAge is measured on the app's clock from the moment the second factor was passed, never from login and never from a provider's timestamps.
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import { ALICE, FakeSession, harness, requestView, verifySession } from "../helpers/core.js";

describe("invariant 9: step-up age on the app's clock, from the moment of passing", () => {
  it("counts from verification, not from login", async () => {
    const h = harness();
    const session = new FakeSession();
    h.clock.advance(3_600_000);
    await verifySession(h, session);
    const guard = h.core.guard({ maxAge: "5m" });
    h.clock.advance(4 * 60_000);
    expect(guard.decide({}, requestView("/transfer"), session, ALICE)).toBe(NEXT);
    h.clock.advance(60_001);
    expect(await guard.decide({}, requestView("/transfer"), session, ALICE)).toMatchObject({
      kind: "redirect",
      location: "/2fa",
    });
  });

  it("uses the app clock (option now), not the wall clock or the provider's dates", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    expect((session.value as { verifiedAt: number }).verifiedAt).toBe(h.clock.ms);
    expect(Math.abs(h.clock.ms - Date.now())).toBeGreaterThan(60_000);
    const guard = h.core.guard({ maxAge: "30s" });
    expect(guard.decide({}, requestView("/transfer"), session, ALICE)).toBe(NEXT);
    h.clock.advance(31_000);
    expect(guard.decide({}, requestView("/transfer"), session, ALICE)).not.toBe(NEXT);
  });

  it("a route without maxAge keeps passing; a stricter route asks again, and passing again resets the age", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    h.clock.advance(10 * 60_000);
    expect(h.core.guard().decide({}, requestView("/account"), session, ALICE)).toBe(NEXT);
    const strict = h.core.guard({ maxAge: 60_000 });
    expect(strict.decide({}, requestView("/transfer"), session, ALICE)).not.toBe(NEXT);
    h.clock.advance(3_000);
    await verifySession(h, session);
    expect(strict.decide({}, requestView("/transfer"), session, ALICE)).toBe(NEXT);
  });

  it("refuses with a configuration error, never a pass, when the app's clock stops returning a time", async () => {
    const clock = { value: Date.UTC(2026, 10, 25, 12) as unknown };
    const h = harness({ now: () => clock.value as number });
    const session = new FakeSession();
    await verifySession(h, session);
    const stepUp = h.core.guard({ maxAge: "5m" });
    expect(stepUp.decide({}, requestView("/transfer"), session, ALICE)).toBe(NEXT);
    for (const broken of [Number.NaN, Number.POSITIVE_INFINITY, "soon", undefined]) {
      clock.value = broken;
      expect(() => stepUp.passes(session.value, ALICE)).toThrow(
        expect.objectContaining({ code: "ERR_SF_MISCONFIGURED" }),
      );
      expect(() => stepUp.decide({}, requestView("/transfer"), session, ALICE)).toThrow(/"now" clock/);
    }
  });
});
