import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import type { SecondFactorRecord } from "../../src/record/index.js";
import {
  ALICE,
  BOB,
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
  verifySession,
} from "../helpers/core.js";

function record(session: FakeSession): SecondFactorRecord {
  return session.value as SecondFactorRecord;
}

function expectSecurityHeaders(decision: Decision): void {
  expect(header(decision, "cache-control")).toBe("no-store");
  const csp = header(decision, "content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
  expect(header(decision, "referrer-policy")).toBe("no-referrer");
  expect(header(decision, "x-content-type-options")).toBe("nosniff");
  expect(header(decision, "access-control-allow-origin")).toBeUndefined();
}

const unavailable = () =>
  new SecondFactorError("ERR_SF_PROVIDER_UNAVAILABLE", "Twilio did not answer", {
    status: 503,
    headers: { "Retry-After": "7" },
  });

describe("GET /2fa", () => {
  it("shows the channel choice, with the CSRF token and the security headers, and sends nothing", async () => {
    const h = harness();
    const session = new FakeSession();
    const page = await showPage(h, session);
    expect(page).toMatchObject({ kind: "html", status: 200 });
    expectSecurityHeaders(page);
    const html = bodyText(page);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<main>");
    expect(html).toContain('action="/2fa/send"');
    expect(html).toContain(`name="_csrf" value="${csrfOf(session)}"`);
    expect(html).toContain("•••• •••• 2661");
    expect(html).toMatch(/<label[^>]*for="sf-channel-sms"/);
    expect(html).not.toContain("<script");
    expect(h.provider.starts).toHaveLength(0);
    expect(session.saves).toBe(1);
  });

  it("keeps the CSP hash in step with the inline stylesheet", async () => {
    const h = harness();
    const page = await showPage(h, new FakeSession());
    const style = /<style>([\s\S]*?)<\/style>/.exec(bodyText(page))?.[1] ?? "";
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(style).digest("base64");
    expect(header(page, "content-security-policy")).toContain(`style-src 'sha256-${hash}'`);
  });

  it("redirects a visitor without a user to the login page", async () => {
    const h = harness();
    expect(await showPage(h, new FakeSession(), null)).toMatchObject({
      kind: "redirect",
      status: 302,
      location: "/login?returnTo=%2F2fa",
    });
    expect(await showPage(h, new FakeSession(), null, "application/json")).toMatchObject({
      kind: "json",
      status: 401,
    });
  });

  it("tells a user with no phone that no second factor is set up, and sends nothing", async () => {
    const h = harness();
    const session = new FakeSession();
    const page = await showPage(h, session, BOB);
    expect(page).toMatchObject({ status: 200 });
    expect(bodyText(page)).toContain("No second factor set up");
    expect(bodyText(page)).not.toContain('action="/2fa/send"');
    const sent = await postForm(h, session, "send", { channel: "sms" }, BOB);
    expect(sent).toMatchObject({ status: 400 });
    expect(bodyText(sent)).toContain("No second factor set up");
    expect(h.provider.starts).toHaveLength(0);
  });

  it("answers JSON with the challenge state and the CSRF token", async () => {
    const h = harness();
    const session = new FakeSession();
    const state = await showPage(h, session, ALICE, "application/json");
    expect(state).toMatchObject({
      kind: "json",
      status: 200,
      body: {
        state: "choose",
        verified: false,
        pending: null,
        csrfToken: csrfOf(session),
        channels: [
          { channel: "sms", maskedDestination: "•••• •••• 2661" },
          { channel: "call", maskedDestination: "•••• •••• 2661" },
        ],
        actions: { send: "/2fa/send", verify: "/2fa/verify", cancel: "/2fa/cancel" },
      },
    });
    expectSecurityHeaders(state);
  });

  it("answers HEAD like GET, and 405 with Allow for other methods", async () => {
    const h = harness();
    const head = await h.core.handleFlow(requestView("/2fa", { method: "HEAD" }), new FakeSession(), ALICE);
    expect(head).toMatchObject({ kind: "html", status: 200 });
    const put = await h.core.handleFlow(requestView("/2fa", { method: "PUT" }), new FakeSession(), ALICE);
    expect(put).toMatchObject({ status: 405 });
    expect(header(put, "allow")).toBe("GET, HEAD");
    const getSend = await h.core.handleFlow(requestView("/2fa/send"), new FakeSession(), ALICE);
    expect(getSend).toMatchObject({ status: 405 });
    expect(header(getSend, "allow")).toBe("POST");
  });

  it("leaves paths that are not the flow's to the app", async () => {
    const h = harness();
    for (const url of ["/2fa/other", "/2faX", "/account", "/2fa/send/x"]) {
      expect(await h.core.handleFlow(requestView(url), new FakeSession(), ALICE)).toBeUndefined();
    }
    expect(await h.core.handleFlow(requestView("/2fa?x=1"), new FakeSession(), ALICE)).toMatchObject({
      status: 200,
    });
  });

  it("shows a verified session that it is verified, with a way to continue and to verify again", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    h.clock.advance(120_000);
    const html = bodyText(await showPage(h, session));
    expect(html).toContain("You are verified");
    expect(html).toContain("2 minutes ago");
    expect(html).toContain('href="/"');
    expect(html).toContain('action="/2fa/send"');
  });
});

describe("POST /2fa/send", () => {
  it("sends a code to the user's phone and redirects to the page, which shows it once", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const sent = await postForm(h, session, "send", { channel: "sms" }, ALICE, { ip: "203.0.113.9" });
    expect(sent).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
    expectSecurityHeaders(sent);
    expect(h.provider.starts).toEqual([{ to: "+15017122661", channel: "sms", ip: "203.0.113.9" }]);
    expect(record(session).pending).toMatchObject({
      channel: "sms",
      checksUsed: 0,
      maskedDestination: "•••• •••• 2661",
    });
    const page = bodyText(await showPage(h, session));
    expect(page).toContain("Code sent.");
    expect(page).toContain('autocomplete="one-time-code"');
    expect(page).toContain('inputmode="numeric"');
    expect(page).toMatch(/<label for="sf-code">/);
    expect(page).toContain("5 attempts left");
    expect(page).toContain('action="/2fa/verify"');
    expect(page).toContain('action="/2fa/cancel"');
    expect(page).toContain('name="channel" value="call"');
    expect(bodyText(await showPage(h, session))).not.toContain("Code sent.");
    expect(h.events.filter((event) => event.type === "code.sent")).toEqual([
      expect.objectContaining({
        userId: "alice",
        channel: "sms",
        maskedDestination: "•••• •••• 2661",
        resend: false,
      }),
    ]);
  });

  it("passes the user's locale to the provider", async () => {
    const h = harness({ user: () => ({ ...ALICE, locale: "pt-BR" }) });
    const session = new FakeSession();
    await startChallenge(h, session, { ...ALICE, locale: "pt-BR" });
    expect(h.provider.starts[0]).toMatchObject({ locale: "pt-BR" });
  });

  it.each<[string, Record<string, unknown>]>([
    ["no channel", {}],
    ["an unknown channel", { channel: "telegram" }],
    ["a channel not offered", { channel: "email" }],
    ["a repeated channel field", { channel: ["sms", "call"] }],
    ["an object", { channel: { sms: true } }],
  ])("refuses %s with 400 tied to the field, sending nothing", async (_label, fields) => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const refused = await postForm(h, session, "send", fields);
    expect(refused).toMatchObject({ kind: "html", status: 400 });
    expectSecurityHeaders(refused);
    const html = bodyText(refused);
    expect(html).toMatch(/<fieldset aria-describedby="sf-channel-error">/);
    expect(html).toMatch(/id="sf-channel-error" role="alert"/);
    expect(html).toContain('aria-invalid="true"');
    expect(h.provider.starts).toHaveLength(0);
  });

  it("sends one code for a double click", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const [first, second] = await Promise.all([
      postForm(h, session, "send", { channel: "sms" }),
      postForm(h, session, "send", { channel: "sms" }),
    ]);
    expect(first).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(second).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(h.provider.starts).toHaveLength(1);
  });

  it("re-sends the same verification, keeping its checks, and waits resendAfter between resends", async () => {
    const h = harness({ resendAfter: "30s" });
    const session = new FakeSession();
    await startChallenge(h, session);
    const sid = record(session).pending?.sid;
    await postForm(h, session, "verify", { code: "000000" });
    h.clock.advance(10_000);
    const early = await postForm(h, session, "send", { channel: "sms" });
    expect(early).toMatchObject({ status: 429 });
    expect(header(early, "retry-after")).toBe("20");
    expect(bodyText(early)).toContain("20 seconds");
    expect(h.provider.starts).toHaveLength(1);
    expect(bodyText(await showPage(h, session))).toContain("sent again in 20 seconds");
    h.clock.advance(20_000);
    expect(await postForm(h, session, "send", { channel: "sms" })).toMatchObject({ kind: "redirect" });
    expect(h.provider.starts).toHaveLength(2);
    expect(record(session).pending).toMatchObject({ sid, checksUsed: 1 });
    expect(bodyText(await showPage(h, session))).toContain("4 attempts left");
  });

  it("switches channel right away, keeping the verification's checks", async () => {
    const h = harness({ resendAfter: "30s" });
    const session = new FakeSession();
    await startChallenge(h, session);
    await postForm(h, session, "verify", { code: "000000" });
    expect(await postForm(h, session, "send", { channel: "call" })).toMatchObject({ kind: "redirect" });
    expect(h.provider.starts.map((start) => start.channel)).toEqual(["sms", "call"]);
    expect(record(session).pending).toMatchObject({ channel: "call", checksUsed: 1 });
  });

  it("starts a new verification (full attempts) once the old one died", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const first = record(session).pending?.sid ?? "";
    await postForm(h, session, "verify", { code: "000000" });
    h.provider.expire(first);
    h.clock.advance(3_000);
    await postForm(h, session, "send", { channel: "sms" });
    expect(record(session).pending?.sid).not.toBe(first);
    expect(record(session).pending?.checksUsed).toBe(0);
  });

  it.each<[string, Parameters<typeof harness>[0], string]>([
    ["blocked", {}, "can&#39;t send codes"],
    ["invalid_destination", {}, "can&#39;t receive codes"],
    ["channel_unavailable", {}, "not available"],
  ])("explains a provider answer of %s with 422, and nothing is pending", async (status, overrides, text) => {
    const h = harness(overrides);
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.startAnswer =
      status === "blocked" ? { status: "blocked", reason: "fraud_guard" } : ({ status } as never);
    const refused = await postForm(h, session, "send", { channel: "sms" });
    expect(refused).toMatchObject({ kind: "html", status: 422 });
    expect(bodyText(refused)).toContain(text);
    expect(bodyText(refused)).not.toContain("+15017122661");
    expect(record(session).pending).toBeUndefined();
    expect(h.events.some((event) => event.type === "destination.refused")).toBe(true);
  });

  it("refuses a phone number on file that is not E.164 without calling the provider", async () => {
    const user = { id: "dave", phone: "555-0100" };
    const h = harness({ user: () => user });
    const session = new FakeSession();
    await showPage(h, session, user);
    const refused = await postForm(h, session, "send", { channel: "sms" }, user);
    expect(refused).toMatchObject({ status: 400 });
    expect(bodyText(refused)).toContain("can&#39;t receive codes");
    expect(h.provider.starts).toHaveLength(0);
  });

  it("answers the provider's own rate limit with 429 and Retry-After", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.startAnswer = { status: "rate_limited", reason: "max_sends", retryAfterSeconds: 120 };
    const refused = await postForm(h, session, "send", { channel: "sms" });
    expect(refused).toMatchObject({ status: 429 });
    expect(header(refused, "retry-after")).toBe("120");
    expect(bodyText(refused)).toContain("2 minutes");
  });

  it("stops at the send budget with 429, nothing sent", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    for (let i = 0; i < 5; i += 1) {
      h.clock.advance(3_000);
      expect(await postForm(h, session, "send", { channel: i % 2 === 0 ? "sms" : "call" })).toMatchObject({
        kind: "redirect",
      });
    }
    h.clock.advance(3_000);
    const refused = await postForm(h, session, "send", { channel: "sms" });
    expect(refused).toMatchObject({ status: 429 });
    expect(Number(header(refused, "retry-after"))).toBeGreaterThan(0);
    expect(h.provider.starts).toHaveLength(5);
    expect(h.events.at(-1)).toMatchObject({ type: "limited", action: "send" });
    // A retry right away meets the same refusal, not the double-submit answer (a redirect as if sent).
    const again = await postForm(h, session, "send", { channel: "sms" });
    expect(again).toMatchObject({ status: 429 });
    expect(h.provider.starts).toHaveLength(5);
  });

  it("answers 503 with Retry-After when the provider fails, leaving the record as it was", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const before = JSON.stringify(session.value);
    h.provider.failure = unavailable();
    h.clock.advance(3_000);
    const failed = await postForm(h, session, "send", { channel: "call" });
    expect(failed).toMatchObject({ kind: "html", status: 503 });
    expect(header(failed, "retry-after")).toBe("7");
    expectSecurityHeaders(failed);
    expect(JSON.stringify(session.value)).toBe(before);
    expect(h.events.at(-1)).toMatchObject({
      type: "provider.error",
      action: "send",
      code: "ERR_SF_PROVIDER_UNAVAILABLE",
      timeout: false,
    });
    h.provider.failure = undefined;
    expect(await postForm(h, session, "send", { channel: "call" })).toMatchObject({ kind: "redirect" });
  });

  it("treats any provider exception as an outage (503)", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.failure = new TypeError("socket hang up");
    expect(await postForm(h, session, "send", { channel: "sms" })).toMatchObject({ status: 503 });
  });

  it("does not hang on a provider that never answers: 503 after providerTimeoutMs", async () => {
    const h = harness({ providerTimeoutMs: 100 });
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.hang = true;
    const started = Date.now();
    const failed = await postForm(h, session, "send", { channel: "sms" }, ALICE, {
      accept: "application/json",
      contentType: "application/json",
      csrfHeader: csrfOf(session),
      body: { ok: true, type: "json", fields: { channel: "sms" } },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failed).toMatchObject({
      kind: "json",
      status: 503,
      body: { error: "unavailable", retryAfter: 5 },
    });
    expect(h.events.at(-1)).toMatchObject({ type: "provider.error", timeout: true });
  });

  it("answers JSON 202 with the state, without the code or the number", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const sent = await postJson(h, session, "send", { channel: "sms" });
    expect(sent).toMatchObject({
      kind: "json",
      status: 202,
      body: {
        state: "pending",
        pending: { channel: "sms", attemptsLeft: 5, maskedDestination: "•••• •••• 2661" },
      },
    });
    expect(bodyText(sent)).not.toContain("123456");
    expect(bodyText(sent)).not.toContain("5017122661");
  });
});

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

describe("POST /2fa/cancel", () => {
  it("cancels the pending verification by SID and redirects", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const sid = record(session).pending?.sid;
    expect(await postForm(h, session, "cancel", {})).toMatchObject({
      kind: "redirect",
      status: 303,
      location: "/2fa",
    });
    expect(h.provider.cancels).toEqual([sid]);
    expect(record(session).pending).toBeUndefined();
    expect(bodyText(await showPage(h, session))).toContain("The code was canceled.");
  });

  it("only redirects when nothing is pending", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    expect(await postForm(h, session, "cancel", {})).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(h.provider.cancels).toHaveLength(0);
  });

  it("answers 503 when the provider fails, keeping the challenge", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    h.provider.failure = unavailable();
    expect(await postForm(h, session, "cancel", {})).toMatchObject({ status: 503 });
    expect(record(session).pending).toBeDefined();
  });
});

describe("refusals of a flow request", () => {
  it.each<[number, string, string]>([
    [400, "bad_request", "couldn&#39;t read"],
    [413, "body_too_large", "too large"],
    [415, "unsupported_media_type", "not a form"],
  ])("answers a body refused with %d by a page saying so", async (status, error, text) => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const view = requestView("/2fa/send", {
      method: "POST",
      body: { ok: false, status: status as 400, reason: "x" },
    });
    const page = await h.core.handleFlow(view, session, ALICE);
    expect(page).toMatchObject({ kind: "html", status });
    expect(bodyText(page)).toContain(text);
    expectSecurityHeaders(page as Decision);
    const jsonView = requestView("/2fa/send", {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      body: { ok: false, status: status as 400, reason: "x" },
    });
    expect(await h.core.handleFlow(jsonView, session, ALICE)).toMatchObject({
      kind: "json",
      status,
      body: { error },
    });
  });

  it("requires Content-Type application/json in JSON mode (415), without reading the body", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const view = requestView("/2fa/send", {
      method: "POST",
      accept: "application/json",
      contentType: "application/x-www-form-urlencoded",
    });
    expect(await h.core.handleFlow(view, session, ALICE)).toMatchObject({ kind: "json", status: 415 });
    expect(view.bodyReads).toBe(0);
  });

  it("sends a POST without a user to the login page (303), JSON to 401", async () => {
    const h = harness();
    expect(await postForm(h, new FakeSession(), "send", { channel: "sms", _csrf: "x" }, null)).toMatchObject({
      kind: "redirect",
      status: 303,
      location: "/login",
    });
    expect(await postJson(h, new FakeSession(), "send", { channel: "sms" }, null)).toMatchObject({
      kind: "json",
      status: 401,
    });
    expect(h.provider.starts).toHaveLength(0);
  });

  it("answers 503 when the budget store fails, and recovers when it returns", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const original = h.limits.consumeSend;
    h.limits.consumeSend = async () => {
      throw new Error("redis down");
    };
    const failed = await postForm(h, session, "send", { channel: "sms" });
    expect(failed).toMatchObject({ status: 503 });
    expect(header(failed, "retry-after")).toBe("5");
    expect(h.provider.starts).toHaveLength(0);
    h.limits.consumeSend = original;
    h.clock.advance(3_000);
    expect(await postForm(h, session, "send", { channel: "sms" })).toMatchObject({ kind: "redirect" });
  });
});

describe("failureDecision", () => {
  it("maps store and provider outages to 503 pages or JSON, and nothing else", () => {
    const h = harness();
    const store = new SecondFactorError("ERR_SF_STORE_UNAVAILABLE", "session store failed", {
      status: 503,
      headers: { "Retry-After": "3" },
    });
    const html = h.core.failureDecision(store, requestView("/account"));
    expect(html).toMatchObject({ kind: "html", status: 503 });
    expect(header(html, "retry-after")).toBe("3");
    const json = h.core.failureDecision(unavailable(), requestView("/api", { accept: "application/json" }));
    expect(json).toMatchObject({ kind: "json", status: 503, body: { error: "unavailable", retryAfter: 7 } });
    expect(h.core.failureDecision(new Error("boom"), requestView("/"))).toBeUndefined();
    expect(
      h.core.failureDecision(new SecondFactorError("ERR_SF_MISCONFIGURED", "no session"), requestView("/")),
    ).toBeUndefined();
  });
});

describe("resolveUser", () => {
  it("validates what the app's callback returns", async () => {
    const users: unknown[] = [
      null,
      undefined,
      false,
      { id: 42, phone: "+15017122661" },
      { id: "" },
      { id: "a", phone: 15017122661 },
      "alice",
    ];
    const h = harness({ user: () => users.shift() as never });
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toEqual({ id: "42", phone: "+15017122661" });
    expect(() => h.core.resolveUser({})).toThrow(expect.objectContaining({ code: "ERR_SF_MISCONFIGURED" }));
    let phoneError: unknown;
    try {
      h.core.resolveUser({});
    } catch (error) {
      phoneError = error;
    }
    expect(phoneError).toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    expect(String((phoneError as Error).message)).not.toContain("5017122661");
    expect(() => h.core.resolveUser({})).toThrow(/"user" callback/);
  });

  it("names the field at fault, also behind a numeric id, and keeps a valid user as it is", () => {
    const nullLocale = { id: "b", locale: null };
    const users: unknown[] = [{ id: 7, email: 5 }, { id: "x".repeat(257) }, { id: 7.5 }, nullLocale];
    const h = harness({ user: () => users.shift() as never });
    expect(() => h.core.resolveUser({})).toThrow(/"email" is of type number/);
    expect(() => h.core.resolveUser({})).toThrow(/"id" is/);
    expect(() => h.core.resolveUser({})).toThrow(/"id" is/);
    expect(h.core.resolveUser({})).toBe(nullLocale);
  });

  it("returns a promise for an async callback and the same object for a valid user", async () => {
    const h = harness({ user: async () => ALICE });
    expect(await h.core.resolveUser({})).toBe(ALICE);
    const sync = harness({ user: () => ALICE });
    expect(sync.core.resolveUser({})).toBe(ALICE);
  });
});
