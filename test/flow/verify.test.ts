/** The challenge flow, POST /2fa/verify (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import {
  ALICE,
  bodyText,
  csrfOf,
  FakeSession,
  harness,
  header,
  postForm,
  postJson,
  requestView,
  showPage,
  startChallenge,
} from "../helpers/core.js";
import { record, unavailable } from "./flow-helpers.js";

describe("POST /2fa/verify", () => {
  it.each<[string, unknown]>([
    ["letters", "12a456"],
    ["too short", "123"],
    ["too long", "12345678901"],
    ["two guesses", ["123456", "654321"]],
    ["an object", { code: "123456" }],
    ["nothing", undefined],
  ])("refuses %s with 400 tied to the code field, before the provider", async (_label, code) => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const refused = await postForm(h, session, "verify", code === undefined ? {} : { code });
    expect(refused).toMatchObject({ kind: "html", status: 400 });
    const html = bodyText(refused);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="sf-code-hint sf-code-error"');
    expect(html).toMatch(/id="sf-code-error" role="alert"/);
    expect(h.provider.checks).toHaveLength(0);
  });

  it("refuses a JSON number as the code", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const refused = await postJson(h, session, "verify", { code: 123456 });
    expect(refused).toMatchObject({
      kind: "json",
      status: 400,
      body: { error: "invalid_code", field: "code" },
    });
    expect(h.provider.checks).toHaveLength(0);
  });

  it("accepts a code typed with spaces and hyphens", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    expect(await postForm(h, session, "verify", { code: " 123-456 " })).toMatchObject({
      kind: "redirect",
      location: "/",
    });
    expect(h.provider.checks[0]?.code).toBe("123456");
  });

  it("says so when no code is pending", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const refused = await postForm(h, session, "verify", { code: "123456" });
    expect(refused).toMatchObject({ status: 400 });
    expect(bodyText(refused)).toContain("No code is waiting");
    expect(h.provider.checks).toHaveLength(0);
  });

  it("approves: regenerates the session, keeps the verification, consumes the return-to, 303 there", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/account?tab=2"), session, ALICE);
    await startChallenge(h, session);
    const oldCsrf = csrfOf(session);
    const done = await postForm(h, session, "verify", { code: "123456" });
    expect(done).toMatchObject({ kind: "redirect", status: 303, location: "/account?tab=2" });
    expect(session.id).toBe(2);
    expect(record(session)).toMatchObject({
      userId: "alice",
      verifiedAt: h.clock.ms,
      verifiedChannel: "sms",
    });
    expect(record(session)).not.toHaveProperty("pending");
    expect(record(session)).not.toHaveProperty("returnTo");
    expect(csrfOf(session)).not.toBe(oldCsrf);
    expect(h.provider.checks[0]).toEqual({ sid: expect.stringMatching(/^VE/), code: "123456" });
    expect(h.events.at(-1)).toMatchObject({ type: "verified", userId: "alice", channel: "sms" });
  });

  it("answers JSON 200 { verified, returnTo } when approved", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    expect(await postJson(h, session, "verify", { code: "123456" })).toMatchObject({
      kind: "json",
      status: 200,
      body: { verified: true, returnTo: "/" },
    });
  });

  it("redirects a wrong code back to the page, which shows the attempts left", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const wrong = await postForm(h, session, "verify", { code: "000000" });
    expect(wrong).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
    const page = bodyText(await showPage(h, session));
    expect(page).toMatch(/id="sf-code-error" role="alert">That code was not right/);
    expect(page).toContain('aria-describedby="sf-code-hint sf-code-error" aria-invalid="true"');
    expect(page).toContain("4 attempts left");
    expect(h.events.at(-1)).toMatchObject({ type: "code.failed", attemptsLeft: 4, failures: 1 });
    const json = await postJson(h, session, "verify", { code: "000000" });
    expect(json).toMatchObject({ kind: "json", status: 422, body: { error: "wrong_code", attemptsLeft: 3 } });
  });

  it("needs a new code after five wrong ones: the spent verification is canceled, a sixth guess is not checked", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const spent = record(session).pending?.sid;
    for (let i = 0; i < 5; i += 1) await postForm(h, session, "verify", { code: "000000" });
    expect(h.provider.cancels).toEqual([spent]);
    expect(record(session).pending).toBeUndefined();
    const page = bodyText(await showPage(h, session));
    expect(page).toContain("Too many wrong tries for that code");
    expect(page).toContain('action="/2fa/send"');
    const refused = await postForm(h, session, "verify", { code: "123456" });
    expect(refused).toMatchObject({ status: 400 });
    expect(bodyText(refused)).toContain("Send a new code");
    expect(h.provider.checks).toHaveLength(5);
    await postForm(h, session, "send", { channel: "sms" });
    expect(record(session).pending).toMatchObject({ checksUsed: 0 });
    expect(record(session).pending?.sid).not.toBe(spent);
    expect(bodyText(await showPage(h, session))).toContain("5 attempts left");
  });

  it("does not trust a record claiming a spent verification: 422, a new code is needed", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const current = record(session);
    session.value = { ...current, pending: { ...current.pending, checksUsed: 5 } };
    const refused = await postForm(h, session, "verify", { code: "123456" });
    expect(refused).toMatchObject({ status: 422 });
    expect(bodyText(refused)).toContain("Send a new one");
    expect(h.provider.checks).toHaveLength(0);
  });

  it.each(["not_found", "max_attempts"] as const)(
    "clears the challenge when the provider says %s",
    async (status) => {
      const h = harness();
      const session = new FakeSession();
      await startChallenge(h, session);
      h.provider.checkAnswer = { status };
      const refused = await postForm(h, session, "verify", { code: "123456" });
      expect(refused).toMatchObject({ status: 422 });
      expect(bodyText(refused)).toContain("Send a new one");
      expect(record(session).pending).toBeUndefined();
      expect(h.events.at(-1)).toMatchObject({ type: "code.expired", reason: status });
    },
  );

  it("answers 503 when the provider fails, leaving the challenge pending", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const before = JSON.stringify(session.value);
    h.provider.failure = unavailable();
    const failed = await postForm(h, session, "verify", { code: "123456" });
    expect(failed).toMatchObject({ status: 503 });
    expect(header(failed, "retry-after")).toBe("7");
    expect(JSON.stringify(session.value)).toBe(before);
    h.provider.failure = undefined;
    expect(await postForm(h, session, "verify", { code: "123456" })).toMatchObject({
      kind: "redirect",
      location: "/",
    });
  });

  it("answers 503 and leaves the session unverified when regenerating the session fails", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    session.failRegenerate = new Error("store down");
    const failed = await postForm(h, session, "verify", { code: "123456" });
    expect(failed).toMatchObject({ status: 503 });
    expect(record(session).verifiedAt).toBeUndefined();
    expect(h.events.at(-1)).toMatchObject({ type: "store.error" });
  });

  it("locks after 10 wrong codes: a locked event, then 429 with nothing checked", async () => {
    const h = harness();
    const session = new FakeSession();
    for (let round = 0; round < 2; round += 1) {
      h.clock.advance(3_000);
      await startChallenge(h, session);
      for (let i = 0; i < 5; i += 1) await postForm(h, session, "verify", { code: "000000" });
    }
    expect(h.events.filter((event) => event.type === "locked")).toEqual([
      expect.objectContaining({ userId: "alice", failures: 10, lockSeconds: 900, lockNumber: 1 }),
    ]);
    const page = bodyText(await showPage(h, session));
    expect(page).toContain("Verification is locked");
    expect(page).toContain("15 minutes");
    const checks = h.provider.checks.length;
    h.clock.advance(3_000);
    const send = await postForm(h, session, "send", { channel: "sms" });
    expect(send).toMatchObject({ status: 429 });
    expect(bodyText(send)).toContain("locked");
    expect(h.provider.starts).toHaveLength(2);
    expect(h.provider.checks).toHaveLength(checks);
  });
});
