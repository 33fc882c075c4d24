// Recovery codes at the core (issue 14): POST /2fa/setup/recovery makes a set behind rule 11 and shows
// it once; GET/POST /2fa/recovery passes with the method recovery, once per code (rule 3), counting wrong
// codes into the one lockout (rule 7); a route that refuses recovery keeps the code; nothing of a code in
// events, logs or later pages (rule 10).
import { describe, expect, it, vi } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { normaliseRecoveryCode, RECOVERY_SCRYPT } from "../../src/factors/recovery-codes.js";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import {
  ALICE,
  BOB,
  bodyText,
  csrfOf,
  FakeSession,
  type Harness,
  harness,
  header,
  postForm,
  requestView,
  showPage,
  verifySession,
} from "../helpers/core.js";
import { verifiedRecord } from "../settings/settings-helpers.js";
import { expectSecurityHeaders, record } from "./flow-helpers.js";

type Fields = Record<string, unknown>;

/** scrypt at the defaults costs ~0.1-0.2 s a hash: the first test keeps them, the others use cheap ones. */
const cost = vi.hoisted(() => ({ fast: true }));
vi.mock("../../src/factors/recovery-codes.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/factors/recovery-codes.js")>();
  return {
    ...actual,
    hashRecoveryCodes: (codes: readonly string[]) =>
      actual.hashRecoveryCodes(codes, cost.fast ? { N: 1024, r: 8, p: 1 } : actual.RECOVERY_SCRYPT),
  };
});

async function request(
  h: Harness,
  session: FakeSession,
  path: string,
  method: "GET" | "POST",
  fields: Fields = {},
  json = false,
  user = ALICE,
): Promise<Decision> {
  const csrf = session.value === undefined ? undefined : csrfOf(session);
  const decision = await h.core.handleFlow(
    requestView(path, {
      method,
      ...(json ? { accept: "application/json" } : {}),
      ...(method === "POST"
        ? {
            contentType: json ? "application/json" : "application/x-www-form-urlencoded",
            ...(json ? { csrfHeader: csrf } : {}),
            body: json
              ? { ok: true, type: "json", fields }
              : { ok: true, type: "form", fields: { _csrf: csrf, ...fields } },
          }
        : {}),
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** The codes of a codes page, in order. */
function codesOf(decision: Decision): string[] {
  const list = /<ol id="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(bodyText(decision))?.[1] ?? "";
  return [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((match) => match[1] ?? "");
}

/** Alice verified by SMS, then a new set of codes. */
async function aliceWithCodes(h: Harness): Promise<{ session: FakeSession; codes: string[] }> {
  const session = new FakeSession();
  await verifySession(h, session);
  const made = await request(h, session, "/2fa/setup/recovery", "POST");
  expect(made).toMatchObject({ kind: "html", status: 200 });
  return { session, codes: codesOf(made) };
}

/** A new session of alice (logged in again) with the challenge page shown. */
async function newSession(h: Harness): Promise<FakeSession> {
  const session = new FakeSession();
  await showPage(h, session);
  return session;
}

describe("recovery codes: making a set (POST /2fa/setup/recovery)", () => {
  it("shows the set once (200, no-store, #recovery-codes with one <li> each, a text download, a print style), stores only hashes, emits recovery.generated and revokes trusted devices", async () => {
    cost.fast = false;
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    await h.core.factors.addTrustedDevice("alice", {
      tokenHash: "t",
      label: "x",
      createdAt: h.clock.ms,
      lastUsedAt: h.clock.ms,
      expiresAt: h.clock.ms + 1e9,
    });
    const made = await request(h, session, "/2fa/setup/recovery", "POST");
    cost.fast = true;
    expect(made).toMatchObject({ kind: "html", status: 200 });
    expectSecurityHeaders(made);
    const codes = codesOf(made);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}$/);
    const page = bodyText(made);
    const download =
      /<a class="button" href="(data:text\/plain;charset=utf-8,[^"]+)" download="recovery-codes.txt">/.exec(
        page,
      )?.[1];
    expect(download).toBeDefined();
    const file = decodeURIComponent((download ?? "").replace("data:text/plain;charset=utf-8,", ""));
    for (const code of codes) expect(file).toContain(code);
    expect(page).toMatch(/@media print\{[^}]*\{[^}]*\}[^}]*form,footer,\.no-print\{display:none\}/);

    const stored = await h.core.factors.getRecoveryCodes("alice");
    expect(stored?.hashes).toHaveLength(10);
    expect(stored?.createdAt).toBe(h.clock.ms);
    for (const hash of stored?.hashes ?? []) {
      expect(hash).toMatch(new RegExp(`^scrypt\\$${RECOVERY_SCRYPT.N}\\$8\\$1\\$`));
      for (const code of codes) expect(hash).not.toContain(normaliseRecoveryCode(code));
    }
    expect(h.events.filter((event) => event.type === "recovery.generated")).toEqual([
      expect.objectContaining({ userId: "alice", count: 10 }),
    ]);
    expect(await h.core.factors.listTrustedDevices("alice", h.clock.ms)).toEqual([]);
    // The session keeps nothing of them; the settings page afterwards says how many, never which.
    const settings = await request(h, session, "/2fa/setup", "GET");
    expect(bodyText(settings)).toContain("10 unused codes, made 2026-11-25.");
    expect(bodyText(settings)).toMatch(/action="\/2fa\/setup\/recovery"/);
    const later = bodyText(settings) + JSON.stringify(session.value) + JSON.stringify(h.events);
    for (const code of codes) {
      expect(later).not.toContain(code);
      expect(later).not.toContain(normaliseRecoveryCode(code));
    }
  });

  it("honours recoveryCodes.count, and answers JSON { codes, createdAt } once", async () => {
    const h = harness({ recoveryCodes: { count: 6 } });
    const session = new FakeSession();
    await verifySession(h, session);
    const made = await request(h, session, "/2fa/setup/recovery", "POST", {}, true);
    expect(made).toMatchObject({ kind: "json", status: 200, body: { createdAt: h.clock.ms } });
    expect((made as { body: { codes: string[] } }).body.codes).toHaveLength(6);
  });

  it("needs a fresh second factor (rule 11): a stale session goes through the challenge and nothing is made", async () => {
    const h = harness();
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    h.clock.advance(11 * 60_000);
    const made = await request(h, session, "/2fa/setup/recovery", "POST");
    expect(made).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
    expect(await h.core.factors.getRecoveryCodes("alice")).toBeUndefined();
    expect(h.events.some((event) => event.type === "recovery.generated")).toBe(false);
  });

  it("refuses an account with no factor (409): the codes are the way back to one", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    await request(h, session, "/2fa/setup", "GET", {}, false, BOB);
    const made = await request(h, session, "/2fa/setup/recovery", "POST", {}, false, BOB);
    expect(made).toMatchObject({ kind: "html", status: 409 });
    expect(await h.core.factors.getRecoveryCodes("bob")).toBeUndefined();
  });

  it("voids the previous set at once", async () => {
    const h = harness();
    const { session, codes: old } = await aliceWithCodes(h);
    const again = codesOf(await request(h, session, "/2fa/setup/recovery", "POST"));
    expect(again).toHaveLength(10);
    const fresh = await newSession(h);
    const refused = await request(h, fresh, "/2fa/recovery", "POST", { code: old[0] });
    expect(refused).toMatchObject({ kind: "redirect", location: "/2fa/recovery" });
    expect(record(fresh).verifiedAt).toBeUndefined();
    const passed = await request(h, fresh, "/2fa/recovery", "POST", { code: again[0] });
    expect(passed).toMatchObject({ kind: "redirect", location: "/2fa/recovery" });
    expect(record(fresh).verifiedMethods).toEqual(["recovery"]);
  });
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
