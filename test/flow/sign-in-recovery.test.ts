// Signing in with a recovery code at the core (issue 14, GET/POST /2fa/recovery): the challenge links
// to it; an unused code passes with the method recovery, once (rule 3: of concurrent uses one wins);
// wrong codes count into the one lockout with wrong SMS codes (rule 7); what cannot be a code counts
// nothing; a route that refuses recovery keeps the code; JSON; a failing store answers 503 (rule 8).
import { describe, expect, it, vi } from "vitest";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { ALICE, bodyText, FakeSession, harness, header, postForm, showPage } from "../helpers/core.js";
import { aliceWithCodes, newSession, request } from "../settings/recovery-helpers.js";
import { expectSecurityHeaders, record } from "./flow-helpers.js";

// scrypt at its defaults costs ~0.1-0.2 s a hash; test/settings/setup-recovery.test.ts checks the defaults.
vi.mock("../../src/factors/recovery-codes.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/factors/recovery-codes.js")>();
  return {
    ...actual,
    hashRecoveryCodes: (codes: readonly string[]) => actual.hashRecoveryCodes(codes, { N: 1024, r: 8, p: 1 }),
  };
});

describe("recovery codes: signing in (GET/POST /2fa/recovery)", () => {
  it("the challenge links to the recovery page when codes are left; the page has a labelled code field and the remember checkbox", async () => {
    const h = harness();
    const before = bodyText(await showPage(h, new FakeSession()));
    expect(before).not.toContain('href="/2fa/recovery"');
    await aliceWithCodes(h);
    const session = new FakeSession();
    const challenge = await showPage(h, session);
    expect(bodyText(challenge)).toContain('<a href="/2fa/recovery">Use a recovery code</a>');
    const json = await showPage(h, new FakeSession(), ALICE, "application/json");
    expect((json as { body: { recovery: unknown } }).body.recovery).toEqual({
      href: "/2fa/recovery",
      left: 10,
    });
    const page = await request(h, session, "/2fa/recovery", "GET");
    expect(page).toMatchObject({ kind: "html", status: 200 });
    expectSecurityHeaders(page);
    const html = bodyText(page);
    expect(html).toMatch(/<form method="post" action="\/2fa\/recovery">/);
    expect(html).toContain('<label for="sf-recovery-code">');
    expect(html).toMatch(/<input type="text" id="sf-recovery-code" name="code"/);
    expect(html).toMatch(/<input type="checkbox" id="sf-remember" name="remember" value="1">/);
    expect(html).toMatch(/name="_csrf" value="[^"]+"/);
  });

  it("passes with method recovery (forgiving case, spaces, hyphens): new session id, return-to kept for Continue, events verified and recovery.used with left; the page says how many are left once", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const session = await newSession(h);
    session.value = { ...record(session), returnTo: "/account" };
    const id = session.id;
    const typed = ` ${(codes[3] ?? "").toUpperCase().replaceAll("-", " ")} `;
    const passed = await request(h, session, "/2fa/recovery", "POST", { code: typed });
    expect(passed).toMatchObject({ kind: "redirect", status: 303, location: "/2fa/recovery" });
    expect(session.id).toBe(id + 1);
    expect(record(session)).toMatchObject({ verifiedAt: h.clock.ms, verifiedMethods: ["recovery"] });
    expect(record(session).verifiedChannel).toBeUndefined();
    expect(h.events.filter((event) => event.type === "verified").at(-1)).toMatchObject({
      method: "recovery",
      methods: ["recovery"],
    });
    expect(h.events.filter((event) => event.type === "recovery.used")).toEqual([
      expect.objectContaining({ userId: "alice", left: 9 }),
    ]);
    const after = await request(h, session, "/2fa/recovery", "GET");
    const html = bodyText(after);
    expect(html).toContain("You signed in with a recovery code.");
    expect(html).toContain("You have 9 recovery codes left.");
    expect(html).toContain('href="/account"');
    expect(html).toContain('href="/2fa/setup"');
    // Shown once: the notice is gone on reload.
    expect(bodyText(await request(h, session, "/2fa/recovery", "GET"))).not.toContain(
      "You signed in with a recovery code.",
    );
    // The guard lets the session through now.
    expect(h.core.guard().passes(session.value, ALICE)).toBe(true);
    expect(h.core.guard({ maxAge: "5m" }).passes(session.value, ALICE)).toBe(true);
  });

  it("refuses the same code in a new session, and counts it as a wrong answer", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const first = await newSession(h);
    await request(h, first, "/2fa/recovery", "POST", { code: codes[0] });
    expect(record(first).verifiedMethods).toEqual(["recovery"]);
    const second = await newSession(h);
    const again = await request(h, second, "/2fa/recovery", "POST", { code: codes[0] });
    expect(again).toMatchObject({ kind: "redirect", location: "/2fa/recovery" });
    expect(record(second).verifiedAt).toBeUndefined();
    expect((await h.limits.lockStatus("alice")).failures).toBe(1);
    const shown = bodyText(await request(h, second, "/2fa/recovery", "GET"));
    expect(shown).toContain('aria-invalid="true"');
    expect(shown).toContain("That code was not right.");
  });

  it("of 10 concurrent uses of one code, exactly one session passes; the others are told it was just used (409)", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => newSession(h)));
    const answers = await Promise.all(
      sessions.map((session) => request(h, session, "/2fa/recovery", "POST", { code: codes[5] })),
    );
    const passed = sessions.filter((session) => record(session).verifiedAt !== undefined);
    expect(passed).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === "redirect")).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === "html" && answer.status === 409)).toHaveLength(9);
    expect(h.events.filter((event) => event.type === "recovery.used")).toHaveLength(1);
    expect((await h.core.factors.getRecoveryCodes("alice"))?.hashes).toHaveLength(9);
  });

  it("refuses what cannot be a code (400, nothing counted): empty, wrong shape, a stored hash", async () => {
    const h = harness();
    await aliceWithCodes(h);
    const stored = (await h.core.factors.getRecoveryCodes("alice"))?.hashes ?? [];
    const session = await newSession(h);
    for (const code of [
      "",
      "   ",
      "abcd-efgh",
      "0000-1111-llll",
      stored[0],
      stored[0]?.split("$").at(-1),
      42,
    ]) {
      const answer = await request(h, session, "/2fa/recovery", "POST", { code });
      expect(answer).toMatchObject({ kind: "html", status: 400 });
      expect(bodyText(answer)).toContain('aria-invalid="true"');
    }
    expect((await h.limits.lockStatus("alice")).failures).toBe(0);
    expect(record(session).verifiedAt).toBeUndefined();
  });

  it("counts wrong codes into the one lockout with wrong SMS codes: 5 + 5 lock (locked event, then 429 even for a right code), and JSON answers 422 then 429", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const sms = new FakeSession();
    await showPage(h, sms);
    await postForm(h, sms, "send", { channel: "sms" });
    for (let index = 0; index < 4; index += 1) await postForm(h, sms, "verify", { code: "000000" });
    const other = new FakeSession();
    await showPage(h, other);
    await postForm(h, other, "send", { channel: "sms" });
    await postForm(h, other, "verify", { code: "000000" });
    expect((await h.limits.lockStatus("alice")).failures).toBe(5);
    const session = await newSession(h);
    for (let index = 0; index < 4; index += 1) {
      const wrong = await request(h, session, "/2fa/recovery", "POST", { code: "2222-3333-4444" }, true);
      expect(wrong).toMatchObject({ kind: "json", status: 422, body: { error: "wrong_code" } });
    }
    const last = await request(h, session, "/2fa/recovery", "POST", { code: "2222-3333-4444" }, true);
    expect(last).toMatchObject({ kind: "json", status: 429, body: { error: "locked" } });
    expect(h.events.filter((event) => event.type === "locked")).toHaveLength(1);
    expect(h.events.filter((event) => event.type === "recovery.failed").at(-1)).toMatchObject({
      failures: 10,
    });
    const right = await request(h, session, "/2fa/recovery", "POST", { code: codes[0] });
    expect(right).toMatchObject({ kind: "html", status: 429 });
    expect(header(right, "retry-after")).toBe("900");
    expect(record(session).verifiedAt).toBeUndefined();
    // The code was not consumed: locked before the check.
    expect((await h.core.factors.getRecoveryCodes("alice"))?.hashes).toHaveLength(10);
    const page = bodyText(await request(h, session, "/2fa/recovery", "GET"));
    expect(page).not.toContain('name="code"');
    expect(page).toContain("15 minutes");
  });

  it("does not offer or accept a code where the route asks for other methods (e.g. passkeys only): the code is kept", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const session = await newSession(h);
    session.value = { ...record(session), requirement: { channels: ["passkey"] } };
    expect(bodyText(await showPage(h, session))).not.toContain('href="/2fa/recovery"');
    expect(bodyText(await request(h, session, "/2fa/recovery", "GET"))).toContain(
      "A recovery code is not accepted for this page.",
    );
    const refused = await request(h, session, "/2fa/recovery", "POST", { code: codes[0] });
    expect(refused).toMatchObject({ kind: "html", status: 403 });
    expect((await h.core.factors.getRecoveryCodes("alice"))?.hashes).toHaveLength(10);
    expect(record(session).verifiedAt).toBeUndefined();
    // Step-up (maxAge only) accepts a code.
    session.value = { ...record(session), requirement: { maxAgeMs: 300_000 } };
    expect(bodyText(await showPage(h, session))).toContain('href="/2fa/recovery"');
  });

  it("answers JSON: the state, then { verified, returnTo, recoveryCodesLeft }", async () => {
    const h = harness();
    const { codes } = await aliceWithCodes(h);
    const session = await newSession(h);
    expect(await request(h, session, "/2fa/recovery", "GET", {}, true)).toMatchObject({
      kind: "json",
      status: 200,
      body: { state: "enter", recoveryCodesLeft: 10 },
    });
    expect(await request(h, session, "/2fa/recovery", "POST", { code: codes[1] }, true)).toMatchObject({
      kind: "json",
      status: 200,
      body: { verified: true, returnTo: "/", recoveryCodesLeft: 9 },
    });
  });

  it("fails closed when the factor store is down (503, Retry-After), verifying nothing and counting nothing", async () => {
    const real = createMemoryFactorStore();
    let down = false;
    const store = new Proxy(real, {
      get: (target, name) => {
        const value = target[name as keyof FactorStore];
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (down && name === "consumeRecoveryCode") return Promise.reject(new Error("connection refused"));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as FactorStore;
    const h = harness({ factors: store });
    const { codes } = await aliceWithCodes(h);
    const session = await newSession(h);
    down = true;
    const answer = await request(h, session, "/2fa/recovery", "POST", { code: codes[0] });
    expect(answer).toMatchObject({ kind: "html", status: 503 });
    expect(header(answer, "retry-after")).toBeDefined();
    expect(record(session).verifiedAt).toBeUndefined();
    expect((await h.limits.lockStatus("alice")).failures).toBe(0);
    down = false;
    const passed = await request(h, session, "/2fa/recovery", "POST", { code: codes[0] });
    expect(passed).toMatchObject({ kind: "redirect" });
  });
});
