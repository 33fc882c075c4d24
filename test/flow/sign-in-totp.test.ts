// Signing in with an authenticator app at the core (issue 13): offered first on the challenge page,
// ±1 step accepted and ±2 refused on the app clock, a time step of an account passes once (rule 3),
// wrong codes count into the one lockout with wrong SMS codes (rule 7), budgets, JSON mode, routes
// that refuse the method, a user whose only factor is an app, and the secret in no event or log line.
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { createLimits } from "../../src/limits/index.js";
import { ALICE, BOB, bodyText, FakeSession, harness, header, postForm, SECRET } from "../helpers/core.js";
import { appCode, enrolApp, getFlow, otherCode, postFlow, secretOfUri } from "../helpers/totp.js";
import { verifiedRecord } from "../settings/settings-helpers.js";

function html(decision: Decision): string {
  return decision.kind === "html" ? decision.body : "";
}

/** Alice with her phone on file and an app, enrolled a step ago; a new session that has not passed. */
async function aliceWithApp(overrides: Parameters<typeof harness>[0] = {}) {
  const h = harness({ user: () => ALICE, secret: SECRET, ...overrides });
  const setup = new FakeSession();
  setup.value = verifiedRecord("alice", h.clock.ms);
  const { uri, factorId } = await enrolApp(h, setup, ALICE);
  h.clock.advance(30_000);
  const session = new FakeSession();
  await getFlow(h, session, ALICE, "");
  return { h, uri, factorId, session };
}

describe("flow: signing in with an authenticator app", () => {
  it("offers the app first, codes by phone as the alternative", async () => {
    const { h, session } = await aliceWithApp();
    const page = html(await getFlow(h, session, ALICE, ""));
    const app = page.indexOf('action="/2fa/totp"');
    const phone = page.indexOf('action="/2fa/send"');
    expect(app).toBeGreaterThan(0);
    expect(phone).toBeGreaterThan(app);
    expect(page).toMatch(
      /<input type="text" id="sf-totp" name="code" inputmode="numeric" autocomplete="one-time-code"/,
    );
    expect(page).toMatch(/<label for="sf-totp">Code from your authenticator app<\/label>/);
    expect(page).toContain('<input type="checkbox" id="sf-totp-remember" name="remember" value="1">');
    const json = await getFlow(h, session, ALICE, "", true);
    expect(json).toMatchObject({ kind: "json", body: { totp: true, actions: { totp: "/2fa/totp" } } });
  });

  it("passes with a current code: new session id, method totp, the factor's last use", async () => {
    const { h, uri, factorId, session } = await aliceWithApp();
    const id = session.id;
    const passed = await postFlow(h, session, ALICE, "totp", { code: appCode(uri, h.clock.ms) });
    expect(passed).toMatchObject({ kind: "redirect", status: 303, location: "/" });
    expect(session.id).toBe(id + 1);
    expect(session.value).toMatchObject({ verifiedAt: h.clock.ms, verifiedMethods: ["totp"] });
    expect(h.events.at(-1)).toMatchObject({ type: "verified", method: "totp", methods: ["totp"] });
    expect(await h.core.factors.getFactor("alice", factorId)).toMatchObject({ lastUsedAt: h.clock.ms });
    // status() reports the method.
    expect(h.core.status(session.value, ALICE)).toMatchObject({ verified: true });
  });

  it("accepts one step of drift each way and refuses two (on the app clock)", async () => {
    const { h, uri } = await aliceWithApp();
    h.clock.advance(120_000);
    for (const offset of [-1, 1]) {
      const session = new FakeSession();
      await getFlow(h, session, ALICE, "");
      const passed = await postFlow(h, session, ALICE, "totp", { code: appCode(uri, h.clock.ms, offset) });
      expect(passed, `offset ${offset}`).toMatchObject({ kind: "redirect", location: "/" });
      h.clock.advance(120_000);
    }
    for (const offset of [-2, 2]) {
      const session = new FakeSession();
      await getFlow(h, session, ALICE, "");
      const refused = await postFlow(h, session, ALICE, "totp", { code: appCode(uri, h.clock.ms, offset) });
      expect(refused, `offset ${offset}`).toMatchObject({ kind: "redirect", location: "/2fa" });
      expect(session.value).not.toHaveProperty("verifiedAt");
    }
  });

  it("accepts a time step of the account once: the same code in a second session is refused (rule 3)", async () => {
    const { h, uri, session } = await aliceWithApp();
    const code = appCode(uri, h.clock.ms);
    expect(await postFlow(h, session, ALICE, "totp", { code })).toMatchObject({
      kind: "redirect",
      location: "/",
    });
    const second = new FakeSession();
    await getFlow(h, second, ALICE, "");
    const replay = await postFlow(h, second, ALICE, "totp", { code });
    expect(replay).toMatchObject({ kind: "html", status: 409 });
    expect(html(replay)).toMatch(/id="sf-totp-error" role="alert">That code was already used/);
    expect(second.value).not.toHaveProperty("verifiedAt");
    const json = await postFlow(h, second, ALICE, "totp", { code }, true);
    expect(json).toMatchObject({ kind: "json", status: 409, body: { error: "code_already_used" } });
    // The next step's code passes.
    h.clock.advance(30_000);
    expect(await postFlow(h, second, ALICE, "totp", { code: appCode(uri, h.clock.ms) })).toMatchObject({
      location: "/",
    });
  });

  it("shares the single-use marker across instances on one budget store", async () => {
    const limits = createLimits({ secret: SECRET, now: () => Date.UTC(2026, 10, 25, 12, 0, 30) });
    const { h, uri } = await aliceWithApp({ limits });
    const other = harness({ user: () => ALICE, secret: SECRET, limits, factors: h.core.factors });
    other.clock.ms = h.clock.ms;
    const code = appCode(uri, h.clock.ms);
    const one = new FakeSession();
    const two = new FakeSession();
    await getFlow(h, one, ALICE, "");
    await getFlow(other, two, ALICE, "");
    const answers = await Promise.all([
      postFlow(h, one, ALICE, "totp", { code }),
      postFlow(other, two, ALICE, "totp", { code }),
    ]);
    expect(answers.map((answer) => answer.kind === "redirect").sort()).toEqual([false, true]);
  });

  it("counts wrong codes into the account's one lockout, mixed with wrong SMS codes: 10 lock it", async () => {
    const { h, uri, session } = await aliceWithApp();
    const right = appCode(uri, h.clock.ms);
    // Five wrong SMS codes (one verification's worth)...
    await postForm(h, session, "send", { channel: "sms" });
    for (let i = 0; i < 5; i++) await postForm(h, session, "verify", { code: "000000" });
    expect(await h.limits.lockStatus("alice")).toMatchObject({ failures: 5 });
    // ...then five wrong app codes.
    for (let i = 0; i < 4; i++) {
      const wrong = await postFlow(h, session, ALICE, "totp", { code: otherCode(right) });
      expect(wrong).toMatchObject({ kind: "redirect", location: "/2fa" });
    }
    const page = html(await getFlow(h, session, ALICE, ""));
    expect(page).toMatch(/id="sf-totp-error" role="alert">That code was not right/);
    expect(page).toMatch(
      /id="sf-totp"[^>]*aria-describedby="sf-totp-hint sf-totp-error" aria-invalid="true"/,
    );
    await postFlow(h, session, ALICE, "totp", { code: otherCode(right) });
    expect(await h.limits.lockStatus("alice")).toMatchObject({ locked: true, failures: 10 });
    expect(h.events.filter((event) => event.type === "locked")).toHaveLength(1);
    expect(h.events.filter((event) => event.type === "totp.failed")).toHaveLength(5);
    // Locked: the right code is refused before it is checked.
    const locked = await postFlow(h, session, ALICE, "totp", { code: right });
    expect(locked).toMatchObject({ kind: "html", status: 429 });
    expect(header(locked, "retry-after")).toBe("900");
    expect(session.value).not.toHaveProperty("verifiedAt");
  });

  it("answers JSON: 422 for a wrong code, 429 once locked, 200 when passed", async () => {
    const { h, uri, session } = await aliceWithApp({ limits: { lockout: { threshold: 2 } } });
    const right = appCode(uri, h.clock.ms);
    expect(await postFlow(h, session, ALICE, "totp", { code: otherCode(right) }, true)).toMatchObject({
      kind: "json",
      status: 422,
      body: { error: "wrong_code" },
    });
    expect(await postFlow(h, session, ALICE, "totp", { code: right }, true)).toMatchObject({
      status: 200,
      body: { verified: true, returnTo: "/" },
    });
    const again = new FakeSession();
    await getFlow(h, again, ALICE, "");
    h.clock.advance(30_000);
    const next = appCode(uri, h.clock.ms);
    await postFlow(h, again, ALICE, "totp", { code: otherCode(next) }, true);
    expect(await postFlow(h, again, ALICE, "totp", { code: otherCode(next) }, true)).toMatchObject({
      status: 429,
      body: { error: "locked" },
    });
  });

  it("spends the check budgets like codes: the eleventh check of a session is refused with 429", async () => {
    const { h, uri, session } = await aliceWithApp({ limits: { lockout: { threshold: 100 } } });
    const wrong = otherCode(appCode(uri, h.clock.ms));
    for (let i = 0; i < 10; i++) await postFlow(h, session, ALICE, "totp", { code: wrong });
    const refused = await postFlow(h, session, ALICE, "totp", { code: appCode(uri, h.clock.ms) });
    expect(refused).toMatchObject({ kind: "html", status: 429 });
    expect(h.events.at(-1)).toMatchObject({ type: "limited", action: "check", scope: "session" });
  });

  it("refuses a malformed code (400, nothing checked) and a route that does not accept the app", async () => {
    const { h, session } = await aliceWithApp();
    const malformed = await postFlow(h, session, ALICE, "totp", { code: "12ab56" });
    expect(malformed).toMatchObject({ kind: "html", status: 400 });
    expect(bodyText(malformed)).toContain("The code is the 6 digits your authenticator app shows.");
    expect(await postFlow(h, session, ALICE, "totp", {}, true)).toMatchObject({
      status: 400,
      body: { error: "code_missing", field: "code" },
    });
    expect(await h.limits.lockStatus("alice")).toMatchObject({ failures: 0 });
    // A route that asked for SMS only: the app is neither offered nor accepted.
    session.value = { ...(session.value as object), requirement: { channels: ["sms"] } };
    expect(html(await getFlow(h, session, ALICE, ""))).not.toContain('action="/2fa/totp"');
    expect(await postFlow(h, session, ALICE, "totp", { code: "123456" })).toMatchObject({ status: 400 });
  });

  it("shows a user whose only factor is an app a usable page, and never sends them to /setup", async () => {
    const h = harness({ user: () => BOB, secret: SECRET });
    const setup = new FakeSession();
    const { uri } = await enrolApp(h, setup, BOB);
    h.clock.advance(30_000);
    const session = new FakeSession();
    const page = await getFlow(h, session, BOB, "");
    expect(page).toMatchObject({ kind: "html", status: 200 });
    expect(html(page)).toContain('action="/2fa/totp"');
    expect(html(page)).not.toContain("No second factor set up");
    expect(html(page)).not.toContain('action="/2fa/send"');
    expect(await postFlow(h, session, BOB, "totp", { code: appCode(uri, h.clock.ms) })).toMatchObject({
      location: "/",
    });
  });

  it("puts the secret and the codes in no event, log line, later page or session", async () => {
    const { h, uri, session } = await aliceWithApp();
    const secret = secretOfUri(uri);
    const code = appCode(uri, h.clock.ms);
    await postFlow(h, session, ALICE, "totp", { code: otherCode(code) });
    const pages = [html(await getFlow(h, session, ALICE, ""))];
    await postFlow(h, session, ALICE, "totp", { code });
    pages.push(html(await getFlow(h, session, ALICE, "")), html(await getFlow(h, session, ALICE, "setup")));
    const seen = JSON.stringify({ events: h.events, logs: h.logs, session: session.value, pages });
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(secret.slice(0, 10));
    expect(seen).not.toContain(code);
    expect(seen).not.toContain("otpauth");
  });
});
