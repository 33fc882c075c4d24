// Invariant 6: every state-changing request of the flow carries a CSRF token (form field `_csrf`, or header `x-csrf-token` with Content-Type application/json), compared in constant time.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FakeSession, harness, postForm, requestView, showPage, startChallenge } from "../helpers/core.js";

const routes = ["send", "verify", "cancel"] as const;

describe("invariant 6: CSRF on every state-changing flow request", () => {
  it.each(routes)("POST /2fa/%s without a token: 403, nothing sent, checked or canceled", async (route) => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const before = JSON.stringify(session.value);
    const calls = h.provider.starts.length + h.provider.checks.length + h.provider.cancels.length;
    for (const token of [undefined, "", "wrong-token-wrong-token-wrong-token-xx", ["a", "b"]]) {
      const fields = { channel: "sms", code: h.provider.code, _csrf: token };
      const refused = await postForm(h, session, route, fields);
      expect(refused).toMatchObject({ kind: "html", status: 403 });
    }
    expect(h.provider.starts.length + h.provider.checks.length + h.provider.cancels.length).toBe(calls);
    expect(JSON.stringify(session.value)).toBe(before);
    expect(h.events.filter((event) => event.type === "csrf.failed")).toHaveLength(4);
  });

  it("a JSON request needs the x-csrf-token header, not a body field", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const token = (session.value as { csrf: string }).csrf;
    const inBody = requestView("/2fa/send", {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      body: { ok: true, type: "json", fields: { channel: "sms", _csrf: token } },
    });
    expect(await h.core.handleFlow(inBody, session, { id: "alice", phone: "+15017122661" })).toMatchObject({
      kind: "json",
      status: 403,
      body: { error: "csrf_failed" },
    });
    const inHeader = requestView("/2fa/send", {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      csrfHeader: token,
      body: { ok: true, type: "json", fields: { channel: "sms" } },
    });
    expect(await h.core.handleFlow(inHeader, session, { id: "alice", phone: "+15017122661" })).toMatchObject({
      status: 202,
    });
  });

  it("a form request is not accepted on the header alone", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    const token = (session.value as { csrf: string }).csrf;
    const refused = await postForm(h, session, "send", { channel: "sms", _csrf: undefined }, undefined, {
      csrfHeader: token,
    });
    expect(refused).toMatchObject({ status: 403 });
    expect(h.provider.starts).toHaveLength(0);
  });

  it("a token of another session does not work", async () => {
    const h = harness();
    const mine = new FakeSession();
    const theirs = new FakeSession();
    await showPage(h, mine);
    await showPage(h, theirs);
    const refused = await postForm(h, mine, "send", {
      channel: "sms",
      _csrf: (theirs.value as { csrf: string }).csrf,
    });
    expect(refused).toMatchObject({ status: 403 });
  });

  it("is compared with crypto.timingSafeEqual, never ===", () => {
    const source = readFileSync(new URL("../../src/record/csrf.ts", import.meta.url), "utf8");
    expect(source).toMatch(/timingSafeEqual\(/);
    expect(source).toMatch(/return safeEqual\(expected, submitted\)/);
    expect(source).not.toMatch(/expected\s*===\s*submitted|submitted\s*===\s*expected/);
  });
});
