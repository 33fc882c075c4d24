/** The challenge flow, POST /2fa/send (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import { toTwilioFailure, unavailable as twilioUnavailable } from "../../src/providers/twilio/error-map.js";
import {
  ALICE,
  bodyText,
  csrfOf,
  FakeSession,
  harness,
  header,
  postForm,
  postJson,
  showPage,
  startChallenge,
} from "../helpers/core.js";
import { expectSecurityHeaders, record, unavailable } from "./flow-helpers.js";

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

  it.each<[string, unknown]>([
    [
      "the Twilio SDK's own timeout",
      twilioUnavailable(toTwilioFailure({ isAxiosError: true, code: "ECONNABORTED" }), {
        serviceSid: "VA00000000000000000000000000000000",
        timeoutMs: 5000,
      }),
    ],
    [
      "a custom provider's AbortSignal.timeout()",
      new DOMException("The operation timed out.", "TimeoutError"),
    ],
  ])("reports %s as a timeout in the event and the log line", async (_label, failure) => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    h.provider.failure = failure;
    expect(await postForm(h, session, "send", { channel: "sms" })).toMatchObject({ status: 503 });
    expect(h.events.at(-1)).toMatchObject({ type: "provider.error", timeout: true });
    expect(h.logs.at(-1)).toMatchObject({ level: "error", details: { action: "send", timeout: true } });
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
