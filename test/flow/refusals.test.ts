/** The challenge flow, refusals every flow route shares, and failureDecision (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import {
  ALICE,
  bodyText,
  FakeSession,
  harness,
  header,
  postForm,
  postJson,
  requestView,
  showPage,
} from "../helpers/core.js";
import { expectSecurityHeaders, unavailable } from "./flow-helpers.js";

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
