// Invariant 8: when the provider or a store fails, the flow denies (fail closed) with 503 and Retry-After within a few seconds, the record is never half-written, and service resumes by itself when the store returns.
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import type { Limits } from "../../src/limits/index.js";
import { createLimits } from "../../src/limits/index.js";
import {
  ALICE,
  Clock,
  FakeSession,
  harness,
  header,
  postForm,
  requestView,
  SECRET,
  showPage,
  startChallenge,
} from "../helpers/core.js";

/** Limits whose store can be switched off. */
function flakyLimits(): { limits: Limits; down: { value: boolean } } {
  const real = createLimits({ secret: SECRET, now: new Clock().now });
  const down = { value: false };
  const limits = Object.fromEntries(
    Object.entries(real).map(([name, method]) => [
      name,
      name === "destinationKey"
        ? method
        : async (...args: unknown[]) => {
            if (down.value) throw new Error("ECONNREFUSED 127.0.0.1:6379");
            return (method as (...a: unknown[]) => unknown)(...args);
          },
    ]),
  ) as unknown as Limits;
  return { limits, down };
}

describe("invariant 8: fail closed", () => {
  it("a provider that hangs gives 503 + Retry-After within the timeout, and the challenge stays pending", async () => {
    const h = harness({ providerTimeoutMs: 150 });
    const session = new FakeSession();
    await startChallenge(h, session);
    const before = JSON.stringify(session.value);
    h.provider.hang = true;
    const started = Date.now();
    const answer = await postForm(h, session, "verify", { code: h.provider.code });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(answer).toMatchObject({ status: 503 });
    expect(Number(header(answer, "retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(session.value)).toBe(before);
    expect(h.core.guard().decide({}, requestView("/account"), session, ALICE)).not.toBe(NEXT);
  });

  it("a provider 5xx gives 503 with Retry-After and no automatic retry", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.failure = new SecondFactorError("ERR_SF_PROVIDER_UNAVAILABLE", "HTTP 500", {
      status: 503,
      headers: { "Retry-After": "5" },
    });
    const answer = await postForm(h, session, "send", { channel: "sms" });
    expect(answer).toMatchObject({ status: 503 });
    expect(header(answer, "retry-after")).toBe("5");
    expect(h.provider.starts).toHaveLength(1);
  });

  it("a provider refusing our credentials also denies with 503", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.failure = new SecondFactorError("ERR_SF_PROVIDER_REJECTED", "20003", { status: 500 });
    expect(await postForm(h, session, "send", { channel: "sms" })).toMatchObject({ status: 503 });
  });

  it("a budget store that fails denies every flow step with 503, and service resumes when it returns", async () => {
    const { limits, down } = flakyLimits();
    const h = harness({}, limits);
    const session = new FakeSession();
    await startChallenge(h, session);
    const before = JSON.stringify(session.value);
    down.value = true;
    for (const answer of [
      await showPage(h, session),
      await postForm(h, session, "send", { channel: "call" }),
      await postForm(h, session, "verify", { code: h.provider.code }),
    ]) {
      expect(answer).toMatchObject({ status: 503 });
      expect(header(answer, "retry-after")).toBe("5");
    }
    expect(h.provider.checks).toHaveLength(0);
    expect(JSON.stringify(session.value)).toBe(before);
    down.value = false;
    expect(await postForm(h, session, "verify", { code: h.provider.code })).toMatchObject({
      kind: "redirect",
      location: "/",
    });
  });

  it("a session store that fails on save gives 503 from the guard and the flow, never a pass", async () => {
    const h = harness();
    const session = new FakeSession();
    session.failSave = new SecondFactorError("ERR_SF_STORE_UNAVAILABLE", "session store down", {
      status: 503,
      headers: { "Retry-After": "2" },
    });
    const guarded = await h.core.guard().decide({}, requestView("/account"), session, ALICE);
    expect(guarded).toMatchObject({ status: 503 });
    expect(header(guarded, "retry-after")).toBe("2");
    const fresh = new FakeSession();
    fresh.failSave = new Error("ECONNRESET");
    expect(await showPage(h, fresh)).toMatchObject({ status: 503 });
  });

  it("a failed approval step leaves the record whole: either verified completely or not at all", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    session.failSave = new Error("disk full");
    const writes = session.writes.length;
    expect(await postForm(h, session, "verify", { code: h.provider.code })).toMatchObject({ status: 503 });
    for (const written of session.writes.slice(writes)) {
      const record = written as { verifiedAt?: number; verifiedChannel?: string; pending?: unknown };
      expect(record.verifiedAt === undefined).toBe(record.verifiedChannel === undefined);
      if (record.verifiedAt !== undefined) expect(record.pending).toBeUndefined();
    }
  });
});
