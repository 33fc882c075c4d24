// Adding an authenticator app at the core (issue 13): the pending secret sealed in the session, the
// no-store set-up page (QR code, key, #totp-uri), a wrong confirmation adds nothing and counts into the
// lockout, the right one adds the app (encrypted) and verifies an account's first factor, rule 11,
// cancel, removal, and the secret nowhere else.
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { secretBox } from "../../src/factors/secret-box.js";
import type { TotpProvider } from "../../src/providers/totp-provider.js";
import { ALICE, BOB, FakeSession, harness, header, SECRET } from "../helpers/core.js";
import { appCode, enrolApp, getFlow, otherCode, postFlow, secretOfUri, totpUriOf } from "../helpers/totp.js";
import { verifiedRecord } from "./settings-helpers.js";

function html(decision: Decision): string {
  return decision.kind === "html" ? decision.body : "";
}

function bobHarness() {
  return harness({ user: () => BOB, secret: SECRET });
}

describe("settings: adding an authenticator app", () => {
  it("keeps the pending secret sealed in the session and shows it once on a no-store page", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    const started = await postFlow(h, session, BOB, "setup/totp");
    expect(started).toMatchObject({ kind: "redirect", status: 303, location: "/2fa/setup/totp" });
    const page = await getFlow(h, session, BOB, "setup/totp");
    expect(page).toMatchObject({ kind: "html", status: 200 });
    expect(header(page, "cache-control")).toBe("no-store");
    const body = html(page);
    const uri = totpUriOf(body);
    expect(uri).toMatch(/^otpauth:\/\/totp\/second-factor:bob\?/);
    const secret = secretOfUri(uri);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body).toContain(
      `<code class="secret" id="totp-secret">${secret.match(/.{4}/g)?.join(" ")}</code>`,
    );
    expect(body).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"/);
    expect(body).toMatch(/<form method="post" action="\/2fa\/setup\/totp\/verify">/);
    expect(body).toMatch(
      /<input type="text" id="sf-code" name="code" inputmode="numeric" autocomplete="one-time-code"/,
    );
    expect(body).toMatch(/<label for="sf-code">/);
    expect(body).toContain('name="remember" value="1"');
    expect(body).toMatch(/<form method="post" action="\/2fa\/setup\/totp\/cancel">/);
    expect(header(page, "content-security-policy")).not.toMatch(/script-src|img-src/);
    // Rule 10 and rule 12: the session holds nothing readable.
    const stored = JSON.stringify(session.value);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice(0, 12));
    expect(stored).not.toContain("otpauth");
  });

  it("adds nothing for a wrong code, counting it into the lockout; the right one adds the app and verifies bob's session", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    session.value = {
      ...verifiedRecord("bob", 0),
      verifiedAt: undefined,
      verifiedChannel: undefined,
      verifiedMethods: undefined,
      returnTo: "/account",
    };
    await postFlow(h, session, BOB, "setup/totp");
    const uri = totpUriOf(html(await getFlow(h, session, BOB, "setup/totp")));
    const right = appCode(uri, h.clock.ms);

    const wrong = await postFlow(h, session, BOB, "setup/totp/verify", { code: otherCode(right) });
    expect(wrong).toMatchObject({ kind: "redirect", status: 303, location: "/2fa/setup/totp" });
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
    expect(await h.limits.lockStatus("bob")).toEqual({ locked: false, failures: 1 });
    expect(h.events.filter((event) => event.type === "totp.failed")).toEqual([
      expect.objectContaining({ userId: "bob", enrolment: true, failures: 1 }),
    ]);
    const again = html(await getFlow(h, session, BOB, "setup/totp"));
    expect(again).toMatch(/id="sf-code-error" role="alert">That code was not right/);
    expect(again).toContain("4 attempts left");

    const id = session.id;
    const added = await postFlow(h, session, BOB, "setup/totp/verify", { code: right });
    expect(added).toMatchObject({ kind: "redirect", status: 303, location: "/account" });
    expect(session.id).toBe(id + 1);
    expect(session.value).toMatchObject({ verifiedAt: h.clock.ms, verifiedMethods: ["totp"] });
    expect(session.value).not.toHaveProperty("verifiedChannel");
    expect(session.value).not.toHaveProperty("totpSetup");
    const factors = await h.core.factors.listFactors("bob");
    expect(factors).toMatchObject([
      { kind: "totp", name: "Authenticator app", secret: { type: "encrypted" } },
    ]);
    expect(await h.limits.lockStatus("bob")).toEqual({ locked: false, failures: 0 });
    expect(h.events.filter((event) => event.type === "factor.added")).toEqual([
      expect.objectContaining({ userId: "bob", kind: "totp", maskedDestination: "" }),
    ]);
    expect(h.events.filter((event) => event.type === "verified")).toEqual([
      expect.objectContaining({ userId: "bob", method: "totp", methods: ["totp"] }),
    ]);
  });

  it("stores the secret encrypted: unreadable without the key, readable after a rotation with previousSecrets", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    const { uri } = await enrolApp(h, session, BOB);
    const secret = secretOfUri(uri);
    const [factor] = await h.core.factors.listFactors("bob");
    if (factor?.kind !== "totp" || factor.secret.type !== "encrypted") throw new Error("no local app");
    const { ciphertext } = factor.secret;
    expect(JSON.stringify(factor)).not.toContain(secret.slice(0, 12));
    const other = secretBox({ secret: "another-secret-of-at-least-32-bytes!!" });
    expect(() => other.open(ciphertext, "totp:bob")).toThrow(/cannot be decrypted/);
    expect(() => secretBox({ secret: SECRET }).open(ciphertext, "totp:alice")).toThrow(/cannot be decrypted/);

    // A new `secret`, the old one in previousSecrets: the app still signs in.
    const NEW = "a-rotated-secret-of-at-least-32-bytes!";
    const rotated = harness({
      user: () => BOB,
      secret: NEW,
      previousSecrets: [SECRET],
      factors: h.core.factors,
    });
    rotated.clock.ms = h.clock.ms + 30_000;
    const next = new FakeSession();
    await getFlow(rotated, next, BOB, "");
    const passed = await postFlow(rotated, next, BOB, "totp", { code: appCode(uri, rotated.clock.ms) });
    expect(passed).toMatchObject({ kind: "redirect", status: 303, location: "/" });
    // Without it, the app cannot be read: the flow denies (503), never passes.
    const lost = harness({ user: () => BOB, secret: NEW, factors: h.core.factors });
    lost.clock.ms = h.clock.ms + 60_000;
    const third = new FakeSession();
    await getFlow(lost, third, BOB, "");
    const denied = await postFlow(lost, third, BOB, "totp", { code: appCode(uri, lost.clock.ms) });
    expect(denied).toMatchObject({ kind: "html", status: 503 });
    expect(third.value).not.toHaveProperty("verifiedAt");
  });

  it("asks a fresh second factor of an account that has one (rule 11), and keeps its session when it adds an app", async () => {
    const h = harness({ user: () => ALICE, secret: SECRET });
    const stale = new FakeSession();
    stale.value = verifiedRecord("alice", h.clock.ms - 11 * 60_000);
    expect(await postFlow(h, stale, ALICE, "setup/totp")).toMatchObject({
      kind: "redirect",
      location: "/2fa",
    });
    expect(stale.value).not.toHaveProperty("totpSetup");

    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    const id = session.id;
    await enrolApp(h, session, ALICE);
    expect(session.id).toBe(id);
    const settings = html(await getFlow(h, session, ALICE, "setup"));
    expect(settings).toContain("Authenticator app added.");
    expect(settings).toMatch(/<span id="sf-factor-1">Authenticator app<\/span>/);
    expect(settings).toMatch(/name="factor" value="[A-Za-z0-9_-]{16,}"/);
  });

  it("offers the app on the settings page, and nothing when totp is false", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    const page = html(await getFlow(h, session, BOB, "setup"));
    expect(page).toMatch(/<form method="post" action="\/2fa\/setup\/totp">/);
    expect(page).toContain("Add an authenticator app");

    const off = harness({ user: () => BOB, secret: SECRET, totp: false });
    const other = new FakeSession();
    expect(html(await getFlow(off, other, BOB, "setup"))).not.toContain("/2fa/setup/totp");
    expect(await postFlow(off, other, BOB, "setup/totp")).toMatchObject({ status: 404 });
  });

  it("ends the pending secret after five wrong codes, on cancel, and after 15 minutes", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    await postFlow(h, session, BOB, "setup/totp");
    const uri = totpUriOf(html(await getFlow(h, session, BOB, "setup/totp")));
    const wrong = otherCode(appCode(uri, h.clock.ms));
    for (let i = 0; i < 4; i++) await postFlow(h, session, BOB, "setup/totp/verify", { code: wrong });
    const last = await postFlow(h, session, BOB, "setup/totp/verify", { code: wrong });
    expect(last).toMatchObject({ kind: "redirect", location: "/2fa/setup" });
    expect(session.value).not.toHaveProperty("totpSetup");
    expect(await getFlow(h, session, BOB, "setup/totp")).toMatchObject({
      kind: "redirect",
      location: "/2fa/setup",
    });

    await postFlow(h, session, BOB, "setup/totp");
    expect(await postFlow(h, session, BOB, "setup/totp/cancel")).toMatchObject({ location: "/2fa/setup" });
    expect(session.value).not.toHaveProperty("totpSetup");

    await postFlow(h, session, BOB, "setup/totp");
    const late = totpUriOf(html(await getFlow(h, session, BOB, "setup/totp")));
    h.clock.advance(16 * 60_000);
    const refused = await postFlow(h, session, BOB, "setup/totp/verify", { code: appCode(late, h.clock.ms) });
    expect(refused).toMatchObject({ kind: "html", status: 400 });
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
  });

  it("refuses a code that is not six digits on its field, checking nothing", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    await postFlow(h, session, BOB, "setup/totp");
    const refused = await postFlow(h, session, BOB, "setup/totp/verify", { code: "12ab56" });
    expect(refused).toMatchObject({ kind: "html", status: 400 });
    expect(html(refused)).toMatch(
      /id="sf-code"[^>]*aria-describedby="sf-code-hint sf-code-error" aria-invalid="true"/,
    );
    expect(await h.limits.lockStatus("bob")).toEqual({ locked: false, failures: 0 });
    const json = await postFlow(h, session, BOB, "setup/totp/verify", {}, true);
    expect(json).toMatchObject({ kind: "json", status: 400, body: { error: "code_missing", field: "code" } });
  });

  it("answers JSON: the secret and URI once (no-store), 422 for a wrong code, 200 when added", async () => {
    const h = bobHarness();
    const session = new FakeSession();
    await getFlow(h, session, BOB, "setup", true);
    const started = await postFlow(h, session, BOB, "setup/totp", {}, true);
    expect(started).toMatchObject({ kind: "json", status: 201, body: { state: "pending", attemptsLeft: 5 } });
    expect(header(started, "cache-control")).toBe("no-store");
    const { uri } = (started as { body: { uri: string } }).body;
    const right = appCode(uri, h.clock.ms);
    expect(
      await postFlow(h, session, BOB, "setup/totp/verify", { code: otherCode(right) }, true),
    ).toMatchObject({
      status: 422,
      body: { error: "wrong_code" },
    });
    expect(await postFlow(h, session, BOB, "setup/totp/verify", { code: right }, true)).toMatchObject({
      status: 200,
      body: { added: true, verified: true, factor: { kind: "totp" } },
    });
  });

  it("warns once, at the first set-up, when no secret encrypts the apps", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    await postFlow(h, session, BOB, "setup/totp");
    await postFlow(h, session, BOB, "setup/totp");
    expect(
      h.logs.filter((line) => /authenticator apps .* cannot be read after a restart/.test(line.message)),
    ).toHaveLength(1);
    const keyed = bobHarness();
    await postFlow(keyed, new FakeSession(), BOB, "setup/totp");
    expect(keyed.logs).toEqual([]);
  });

  it("adds a pending secret once, even when the provider confirms any code once verified (as Twilio does)", async () => {
    let verified = false;
    const provider: TotpProvider = {
      name: "twilio-like",
      enrol: async () => ({
        uri: "otpauth://totp/X:bob?secret=JBSWY3DPEHPK3PXP&issuer=X",
        secret: "JBSWY3DPEHPK3PXP",
        stored: { type: "twilio", factorSid: `YF${"1".repeat(32)}` },
      }),
      confirm: async ({ code }) => {
        if (code !== "123456" && !verified) return { status: "wrong" };
        verified = true;
        return { status: "confirmed", timeStep: 1, singleUse: { key: `code:${code}`, ttlSeconds: 120 } };
      },
      verify: async () => ({ status: "wrong" }),
      remove: async () => ({ status: "removed" }),
    };
    const h = harness({ user: () => ALICE, secret: SECRET, totp: { provider } });
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    await postFlow(h, session, ALICE, "setup/totp");
    // A second request of the same session, read before the first one saved.
    const copy = new FakeSession();
    copy.value = session.value;
    const first = await postFlow(h, session, ALICE, "setup/totp/verify", { code: "123456" });
    expect(first).toMatchObject({ kind: "redirect", location: "/2fa/setup" });
    const raced = await postFlow(h, copy, ALICE, "setup/totp/verify", { code: "654321" });
    expect(raced).toMatchObject({ kind: "html", status: 409 });
    expect(await h.core.factors.listFactors("alice")).toHaveLength(1);
  });

  it("removes an app from the settings page", async () => {
    const h = harness({ user: () => ALICE, secret: SECRET });
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    const { factorId } = await enrolApp(h, session, ALICE);
    const removed = await postFlow(h, session, ALICE, "setup/remove", { factor: factorId });
    expect(removed).toMatchObject({ kind: "redirect", location: "/2fa/setup" });
    expect(await h.core.factors.listFactors("alice")).toEqual([]);
    expect(h.events.filter((event) => event.type === "factor.removed")).toEqual([
      expect.objectContaining({ kind: "totp", maskedDestination: "" }),
    ]);
  });
});
