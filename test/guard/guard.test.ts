import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import { newRecord } from "../../src/record/index.js";
import { ALICE, FakeSession, harness, header, requestView } from "../helpers/core.js";

function verifiedSession(at: number, channel = "sms"): FakeSession {
  const session = new FakeSession();
  session.value = { ...newRecord(ALICE.id), verifiedAt: at, verifiedChannel: channel };
  return session;
}

describe("guard(policy).decide", () => {
  it("returns NEXT synchronously for a verified session, 10k times, allocating no decision", () => {
    const h = harness();
    const guard = h.core.guard();
    const session = verifiedSession(h.clock.ms - 1000);
    const view = requestView("/account");
    for (let i = 0; i < 10_000; i += 1) {
      const decision = guard.decide({}, view, session, ALICE);
      if (decision !== NEXT) throw new Error(`not NEXT at ${i}`);
    }
    expect(guard.decide({}, view, session, ALICE)).toBe(NEXT);
    expect(session.writes).toHaveLength(0);
  });

  it("stops an unverified GET: stores the return-to, 302 to the challenge, challenge.required", async () => {
    const h = harness();
    const session = new FakeSession();
    const decision = await h.core.guard().decide({}, requestView("/account?tab=2"), session, ALICE);
    expect(decision).toMatchObject({ kind: "redirect", status: 302, location: "/2fa" });
    expect(header(decision, "cache-control")).toBe("no-store");
    expect(session.value).toMatchObject({ userId: "alice", returnTo: "/account?tab=2" });
    expect(session.saves).toBe(1);
    expect(h.events).toEqual([
      expect.objectContaining({
        type: "challenge.required",
        userId: "alice",
        method: "GET",
        path: "/account",
      }),
    ]);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH"])(
    "stops an unverified %s with 303 and keeps no return-to",
    async (method) => {
      const h = harness();
      const session = new FakeSession();
      session.value = { ...newRecord(ALICE.id), returnTo: "/older" };
      const decision = await h.core.guard().decide({}, requestView("/transfer", { method }), session, ALICE);
      expect(decision).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
      expect(session.value).not.toHaveProperty("returnTo");
    },
  );

  it("writes and saves nothing for the same refusal again, and writes again for a new return-to", async () => {
    const h = harness();
    const session = new FakeSession();
    const guard = h.core.guard();
    await guard.decide({}, requestView("/account"), session, ALICE);
    expect([session.writes.length, session.saves]).toEqual([1, 1]);
    const again = await guard.decide({}, requestView("/account"), session, ALICE);
    expect(again).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect([session.writes.length, session.saves]).toEqual([1, 1]);
    await guard.decide({}, requestView("/account?tab=2"), session, ALICE);
    expect([session.writes.length, session.saves]).toEqual([2, 2]);
    expect(session.value).toMatchObject({ returnTo: "/account?tab=2" });
  });

  it("stops an unverified HEAD with 302 and stores nothing", async () => {
    const h = harness();
    const session = new FakeSession();
    const decision = await h.core
      .guard()
      .decide({}, requestView("/account", { method: "HEAD" }), session, ALICE);
    expect(decision).toMatchObject({ kind: "redirect", status: 302, location: "/2fa" });
    expect(session.writes).toHaveLength(0);
  });

  it("drops an unsafe return-to", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("//evil.example/x"), session, ALICE);
    expect(session.value).not.toHaveProperty("returnTo");
  });

  it("sends a request without a user to the login page with a safe returnTo", async () => {
    const h = harness();
    const session = new FakeSession();
    const get = await h.core.guard().decide({}, requestView("/account?tab=2"), session, null);
    expect(get).toMatchObject({
      kind: "redirect",
      status: 302,
      location: "/login?returnTo=%2Faccount%3Ftab%3D2",
    });
    const post = await h.core.guard().decide({}, requestView("/transfer", { method: "POST" }), session, null);
    expect(post).toMatchObject({ kind: "redirect", status: 303, location: "/login" });
    const evil = await h.core.guard().decide({}, requestView("/%2F%2Fevil.example"), session, null);
    expect(evil).toMatchObject({ kind: "redirect", location: "/login" });
    const json = await h.core
      .guard()
      .decide({}, requestView("/api/me", { accept: "application/json" }), session, null);
    expect(json).toMatchObject({ kind: "json", status: 401, body: { error: "login_required" } });
    expect(session.writes).toHaveLength(0);
  });

  it("answers JSON clients 401 with an RFC 9470 style WWW-Authenticate", async () => {
    const h = harness();
    const decision = await h.core
      .guard()
      .decide({}, requestView("/api/me", { accept: "application/json" }), new FakeSession(), ALICE);
    expect(decision).toMatchObject({
      kind: "json",
      status: 401,
      body: { error: "second_factor_required", challenge: "/2fa" },
    });
    expect(header(decision, "www-authenticate")).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A second factor is required"',
    );
    expect(header(decision, "cache-control")).toBe("no-store");
    expect(header(decision, "access-control-allow-origin")).toBeUndefined();
  });

  it("treats */* as HTML", async () => {
    const h = harness();
    const decision = await h.core
      .guard()
      .decide({}, requestView("/account", { accept: "*/*" }), new FakeSession(), ALICE);
    expect(decision).toMatchObject({ kind: "redirect" });
  });

  it("step-up: passes within maxAge, asks again after it, with max_age for JSON", async () => {
    const h = harness();
    const guard = h.core.guard({ maxAge: "5m" });
    const session = verifiedSession(h.clock.ms);
    h.clock.advance(5 * 60_000);
    expect(guard.decide({}, requestView("/transfer"), session, ALICE)).toBe(NEXT);
    h.clock.advance(1);
    const json = await guard.decide(
      {},
      requestView("/transfer", { accept: "application/json" }),
      session,
      ALICE,
    );
    expect(json).toMatchObject({ kind: "json", status: 401, body: { max_age: 300 } });
    expect(header(json, "www-authenticate")).toMatch(/, max_age=300$/);
    expect(session.value).toMatchObject({
      requirement: { maxAgeMs: 300_000 },
      verifiedAt: expect.any(Number),
    });
  });

  it("requires a channel the route accepts", async () => {
    const h = harness();
    const session = verifiedSession(h.clock.ms, "sms");
    expect(h.core.guard({ channels: ["sms"] }).decide({}, requestView("/a"), session, ALICE)).toBe(NEXT);
    const decision = await h.core.guard({ channels: ["call"] }).decide({}, requestView("/a"), session, ALICE);
    expect(decision).toMatchObject({ kind: "redirect", location: "/2fa" });
  });

  it("without channels accepts only the instance's channels, not a channel since removed from the config", async () => {
    const h = harness({ channels: ["sms", "call"] });
    const session = verifiedSession(h.clock.ms, "call");
    expect(h.core.guard().decide({}, requestView("/a"), session, ALICE)).toBe(NEXT);
    // A redeploy without "call", or a sibling instance with other options on the same session.
    const sibling = harness({ channels: ["sms"], now: h.clock.now });
    const decision = await sibling.core.guard().decide({}, requestView("/a"), session, ALICE);
    expect(decision).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(sibling.core.guard().passes(session.value, ALICE)).toBe(false);
    expect(sibling.core.status(session.value, ALICE)).toMatchObject({ verified: false });
  });

  it("voids another user's verified record", async () => {
    const h = harness();
    const session = verifiedSession(h.clock.ms);
    const decision = await h.core
      .guard()
      .decide({}, requestView("/a"), session, { id: "carol", phone: "+12025550123" });
    expect(decision).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(session.value).toMatchObject({ userId: "carol" });
    expect(session.value).not.toHaveProperty("verifiedAt");
  });

  it("evaluates when(native) only when given, and skips only on false", async () => {
    const h = harness();
    const session = new FakeSession();
    const seen: unknown[] = [];
    const native = { trusted: true };
    const guard = h.core.guard({
      when: (request: unknown) => {
        seen.push(request);
        return !(request as typeof native).trusted;
      },
    });
    expect(guard.decide(native, requestView("/a"), session, ALICE)).toBe(NEXT);
    expect(seen).toEqual([native]);
    expect(await guard.decide({ trusted: false }, requestView("/a"), session, ALICE)).toMatchObject({
      kind: "redirect",
    });
    const asyncGuard = h.core.guard({ when: async () => false });
    expect(await asyncGuard.decide({}, requestView("/a"), session, ALICE)).toBe(NEXT);
  });

  it("fails closed when when() returns something other than a boolean", async () => {
    const h = harness();
    const guard = h.core.guard({ when: (() => "yes") as unknown as () => boolean });
    expect(() => guard.decide({}, requestView("/a"), new FakeSession(), ALICE)).toThrow(
      expect.objectContaining({ code: "ERR_SF_MISCONFIGURED" }),
    );
  });

  it("answers 503 with Retry-After when the session store fails to save", async () => {
    const h = harness();
    const session = new FakeSession();
    session.failSave = new Error("ECONNRESET");
    const decision = await h.core.guard().decide({}, requestView("/account"), session, ALICE);
    expect(decision).toMatchObject({ kind: "html", status: 503 });
    expect(header(decision, "retry-after")).toBe("5");
  });

  it.each<[string, unknown, RegExp]>([
    ["a bad maxAge", { maxAge: "five minutes" }, /"maxAge"/],
    ["an unknown key", { maxage: "5m" }, /option "policy.maxage" is not an option/],
    ["a channel the instance does not offer", { channels: ["email"] }, /"channels".*"email"/],
    ["an empty channel list", { channels: [] }, /"channels"/],
    ["a non-function when", { when: true }, /"when"/],
    // Rule 13: a trusted device satisfies plain guards only, never a route that names its methods.
    [
      "a trusted device among the methods",
      { methods: ["sms", "trusted_device"] },
      /"methods".*"trusted_device"/,
    ],
    [
      "a request object (the guard used without calling it)",
      { method: "GET", headers: {}, url: "/" },
      /call it: use requireSecondFactor\(\)/,
    ],
  ])("validates the policy at guard() time: %s", (_label, policy, message) => {
    const h = harness();
    expect(() => h.core.guard(policy as never)).toThrow(message);
  });
});

describe("guard(policy).passes (the hot path asked before decide)", () => {
  it("is true only for this user's verified record that meets the route's policy", () => {
    const h = harness();
    const at = h.clock.ms - 10 * 60_000;
    const record = { ...newRecord(ALICE.id), verifiedAt: at, verifiedChannel: "sms" };
    expect(h.core.guard().passes(record, ALICE)).toBe(true);
    expect(h.core.guard().passes(record, { id: "carol" })).toBe(false);
    expect(h.core.guard().passes(record, null)).toBe(false);
    expect(h.core.guard().passes(newRecord(ALICE.id), ALICE)).toBe(false);
    expect(h.core.guard().passes(undefined, ALICE)).toBe(false);
    expect(h.core.guard().passes("verified", ALICE)).toBe(false);
    expect(h.core.guard({ maxAge: "5m" }).passes(record, ALICE)).toBe(false);
    expect(h.core.guard({ maxAge: "15m" }).passes(record, ALICE)).toBe(true);
    expect(h.core.guard({ channels: ["call"] }).passes(record, ALICE)).toBe(false);
    expect(h.core.guard({ channels: ["sms"] }).passes(record, ALICE)).toBe(true);
  });

  it("leaves a route with a `when` policy to decide, whatever the record says", () => {
    const h = harness();
    const record = { ...newRecord(ALICE.id), verifiedAt: h.clock.ms, verifiedChannel: "sms" };
    expect(h.core.guard({ when: () => true }).passes(record, ALICE)).toBe(false);
    expect(h.core.guard({ when: () => false }).passes(record, ALICE)).toBe(false);
  });
});

describe("the methods a guard accepts without its own (acceptedMethods)", () => {
  const passedBy = (at: number, methods: readonly string[]) => ({
    ...newRecord(ALICE.id),
    verifiedAt: at,
    verifiedMethods: methods,
  });

  it("lets an authenticator app, a passkey and a recovery code through a plain guard and a step-up", () => {
    const h = harness();
    for (const method of ["totp", "passkey", "recovery"]) {
      const record = passedBy(h.clock.ms - 1000, [method]);
      expect(h.core.guard().passes(record, ALICE)).toBe(true);
      expect(h.core.guard({ maxAge: "5m" }).passes(record, ALICE)).toBe(true);
    }
  });

  it("lets a trusted device through a plain guard only: never a step-up or a route naming methods (rule 13)", () => {
    const h = harness();
    const record = passedBy(h.clock.ms - 1000, ["trusted_device"]);
    expect(h.core.guard().passes(record, ALICE)).toBe(true);
    expect(h.core.guard({ maxAge: "5m" }).passes(record, ALICE)).toBe(false);
    expect(h.core.guard({ methods: ["sms", "totp"] }).passes(record, ALICE)).toBe(false);
  });
});
