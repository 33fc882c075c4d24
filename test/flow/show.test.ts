/** The challenge flow, GET /2fa: the challenge page (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import { newRecord } from "../../src/record/index.js";
import {
  ALICE,
  BOB,
  bodyText,
  csrfOf,
  FakeSession,
  harness,
  header,
  postForm,
  requestView,
  showPage,
  verifySession,
} from "../helpers/core.js";
import { expectSecurityHeaders } from "./flow-helpers.js";

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

  it('sends a user with no factor to the settings page under enrolment "required", keeping the return-to', async () => {
    const h = harness();
    const session = new FakeSession();
    session.value = { ...newRecord("bob"), returnTo: "/account" };
    const page = await showPage(h, session, BOB);
    expect(page).toMatchObject({ kind: "redirect", status: 302, location: "/2fa/setup" });
    expect((session.value as { returnTo?: string }).returnTo).toBe("/account");
    expect(h.provider.starts).toHaveLength(0);
  });

  it("tells a JSON client of a user with no factor where to enrol one (state no_channel, actions.setup)", async () => {
    const h = harness();
    const state = await showPage(h, new FakeSession(), BOB, "application/json");
    expect(state).toMatchObject({
      kind: "json",
      status: 200,
      body: { state: "no_channel", channels: [], actions: { setup: "/2fa/setup" } },
    });
  });

  it('tells a user with no phone that no second factor is set up under enrolment "off", and sends nothing', async () => {
    const h = harness({ enrolment: "off" });
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
