// Making a set of recovery codes at the core (issue 14, POST /2fa/setup/recovery): behind rule 11, only
// hashes stored, the old set void at once, recovery.generated and trusted devices revoked (rule 11), the
// codes shown once (200, no-store) and never again: not on the settings page, in the session or events.
import { describe, expect, it, vi } from "vitest";
import { normaliseRecoveryCode, RECOVERY_SCRYPT } from "../../src/factors/recovery-codes.js";
import { expectSecurityHeaders, record } from "../flow/flow-helpers.js";
import { BOB, bodyText, FakeSession, harness, verifySession } from "../helpers/core.js";
import { aliceWithCodes, codesOf, newSession, request } from "./recovery-helpers.js";
import { verifiedRecord } from "./settings-helpers.js";

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

  it("the settings page offers to make a set, says how many are left and when made, and has it in JSON", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session);
    const before = bodyText(await request(h, session, "/2fa/setup", "GET"));
    expect(before).toContain("<h2>Recovery codes</h2>");
    expect(before).toMatch(
      /<form method="post" action="\/2fa\/setup\/recovery">\n<input type="hidden" name="_csrf"[^>]*>\n<button type="submit">Make recovery codes<\/button>/,
    );
    await request(h, session, "/2fa/setup/recovery", "POST");
    const after = await request(h, session, "/2fa/setup", "GET", {}, true);
    expect(after).toMatchObject({
      kind: "json",
      body: { recoveryCodes: { left: 10, createdAt: h.clock.ms, action: "/2fa/setup/recovery" } },
    });
    const page = bodyText(await request(h, session, "/2fa/setup", "GET"));
    expect(page).toContain("Make new recovery codes");
    expect(page).toContain("Making new codes voids the old ones.");
    // An account with no factor has nothing for the codes to back up: no section.
    const bob = harness({ user: () => BOB });
    const bobSession = new FakeSession();
    expect(bodyText(await request(bob, bobSession, "/2fa/setup", "GET", {}, false, BOB))).not.toContain(
      "Recovery codes",
    );
  });
});
