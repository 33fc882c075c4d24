// The settings routes at the core: enrolment (phones and e-mail), budgets and the lockout, JSON mode,
// store outages, removal and the pages' accessibility.
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { ALICE, BOB, FakeSession, harness, requestView } from "../helpers/core.js";
import { enrolDirectly, getSettings, postSettings, verifiedRecord } from "./settings-helpers.js";

const NEW_PHONE = "+15017122662";

function html(decision: Decision): string {
  return decision.kind === "html" ? decision.body : "";
}

/** A factor store whose every call fails, as a database that is down. */
function failingStore(): FactorStore {
  const real = createMemoryFactorStore();
  return new Proxy(real, {
    get: (target, name) =>
      typeof target[name as keyof FactorStore] === "function"
        ? async () => {
            throw new Error("connection refused");
          }
        : undefined,
  });
}

describe("settings: enrolment", () => {
  it("verifies the session of an account's first factor by that method, with a new session id, and goes to the return-to", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    session.value = {
      ...verifiedRecord("bob", 0),
      verifiedAt: undefined,
      verifiedChannel: undefined,
      verifiedMethods: undefined,
    };
    session.value = { ...(session.value as object), returnTo: "/account" };
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "call" });
    const id = session.id;
    const added = await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code });
    expect(added).toMatchObject({ kind: "redirect", status: 303, location: "/account" });
    expect(session.id).toBe(id + 1);
    expect(session.value).toMatchObject({
      verifiedAt: h.clock.ms,
      verifiedChannel: "call",
      verifiedMethods: ["call"],
    });
    expect(session.value).not.toHaveProperty("enrolment");
  });

  it("keeps the session as it is when the account already had a factor, and shows the notice once", async () => {
    const h = harness({ user: () => ALICE });
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    await postSettings(h, session, ALICE, "phone", { phone: NEW_PHONE, channel: "sms" });
    const id = session.id;
    expect(await postSettings(h, session, ALICE, "phone/verify", { code: h.provider.code })).toMatchObject({
      location: "/2fa/setup",
    });
    expect(session.id).toBe(id);
    const page = html(await getSettings(h, session, ALICE));
    expect(page).toContain("Added. It can now receive your codes.");
    expect(page).toContain("On file: managed by the site");
    expect(page).toMatch(/name="factor" value="[A-Za-z0-9_-]{16,}"/);
    expect(page).not.toContain(NEW_PHONE);
    expect(html(await getSettings(h, session, ALICE))).not.toContain("Added.");
  });

  it("says so when the number is already on the account, and sends nothing", async () => {
    const h = harness({ user: () => ALICE });
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    const refused = await postSettings(h, session, ALICE, "phone", {
      phone: "+1 501-712-2661",
      channel: "sms",
    });
    expect(refused).toMatchObject({ kind: "html", status: 409 });
    expect(html(refused)).toContain("already on your account");
    expect(h.provider.starts).toEqual([]);
  });

  it("counts wrong enrolment codes against the account's lock (reserve before check), and refuses when locked", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    await getSettings(h, session, BOB);
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    for (let wrong = 0; wrong < 5; wrong += 1)
      await postSettings(h, session, BOB, "phone/verify", { code: "000000" });
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    for (let wrong = 0; wrong < 4; wrong += 1)
      await postSettings(h, session, BOB, "phone/verify", { code: "000000" });
    expect(h.events.filter((event) => event.type === "code.failed").at(-1)).toMatchObject({ failures: 9 });
    // The tenth wrong answer of the account, by any factor, locks it.
    const held = await h.limits.reserveCheck("bob", 5_000);
    if (!held.ok) throw new Error("not held");
    expect(await h.limits.recordWrongCode("bob", held.hold)).toMatchObject({ locked: true });
    const checks = h.provider.checks.length;
    const locked = await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code });
    expect(locked).toMatchObject({ status: 429 });
    expect(h.provider.checks.length).toBe(checks);
    const starts = h.provider.starts.length;
    expect(
      await postSettings(h, session, BOB, "phone", { phone: "+12025550199", channel: "sms" }),
    ).toMatchObject({
      status: 429,
    });
    expect(h.provider.starts.length).toBe(starts);
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
  });

  it("spends the send budgets of the flow: the user's sixth send in ten minutes is refused, nothing sent", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    await getSettings(h, session, BOB);
    for (let send = 0; send < 5; send += 1) {
      const started = await postSettings(h, session, BOB, "phone", {
        phone: `+1501712266${send}`,
        channel: "sms",
      });
      expect(started).toMatchObject({ kind: "redirect" });
    }
    const refused = await postSettings(h, session, BOB, "phone", { phone: "+15017122669", channel: "sms" });
    expect(refused).toMatchObject({ status: 429 });
    expect(h.provider.starts).toHaveLength(5);
  });

  it("enrols an e-mail address (field email) only when the email channel is on", async () => {
    const off = harness({ user: () => BOB });
    const session = new FakeSession();
    await getSettings(off, session, BOB);
    const refused = await postSettings(off, session, BOB, "phone", { email: "bob@example.com" });
    expect(refused).toMatchObject({ status: 400 });
    expect(off.provider.starts).toEqual([]);

    const on = harness({ user: () => BOB, channels: ["sms", "email"] });
    const other = new FakeSession();
    expect(html(await getSettings(on, other, BOB))).toContain('name="email"');
    await postSettings(on, other, BOB, "phone", { email: "Bob@Example.COM" });
    expect(on.provider.starts).toMatchObject([{ to: "Bob@example.com", channel: "email" }]);
    await postSettings(on, other, BOB, "phone/verify", { code: on.provider.code });
    expect(await on.core.factors.listFactors("bob")).toMatchObject([
      { kind: "email", destination: "Bob@example.com" },
    ]);
    expect(on.events.find((event) => event.type === "factor.added")).toMatchObject({
      kind: "email",
      maskedDestination: "B••••@••••.com",
    });
  });

  it("cancels a pending enrolment: back to the settings page, nothing added", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    await getSettings(h, session, BOB);
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    const codePage = html(await getSettings(h, session, BOB, "/2fa/setup/phone"));
    expect(codePage).toMatch(/<label for="sf-code">/);
    expect(codePage).toContain('action="/2fa/setup/phone/cancel"');
    expect(await postSettings(h, session, BOB, "phone/cancel", {})).toMatchObject({ location: "/2fa/setup" });
    expect(h.provider.cancels).toHaveLength(1);
    expect(await getSettings(h, session, BOB, "/2fa/setup/phone")).toMatchObject({ location: "/2fa/setup" });
    expect(await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code })).toMatchObject({
      status: 400,
    });
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
  });

  it("answers JSON on every settings route (CSRF by header)", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    const state = await getSettings(h, session, BOB, "/2fa/setup", "application/json");
    expect(state).toMatchObject({
      kind: "json",
      status: 200,
      body: { factors: [], phoneChannels: ["sms", "call"] },
    });
    const token = (state as { body: { csrfToken: string } }).body.csrfToken;
    const post = (path: string, fields: Record<string, unknown>) =>
      h.core.handleFlow(
        requestView(path, {
          method: "POST",
          accept: "application/json",
          contentType: "application/json",
          csrfHeader: token,
          body: { ok: true, type: "json", fields },
        }),
        session,
        BOB,
      );
    expect(await post("/2fa/setup/phone", { phone: NEW_PHONE, channel: "sms" })).toMatchObject({
      kind: "json",
      status: 202,
      body: { state: "pending", maskedDestination: "•••• •••• 2662" },
    });
    expect(await post("/2fa/setup/phone/verify", { code: "000000" })).toMatchObject({
      status: 422,
      body: { error: "wrong_code" },
    });
    const added = await post("/2fa/setup/phone/verify", { code: h.provider.code });
    expect(added).toMatchObject({ status: 200, body: { added: true, verified: true } });
    const factor = (added as { body: { factor: { id: string } } }).body.factor.id;
    const newToken = (session.value as { csrf: string }).csrf;
    const removal = await h.core.handleFlow(
      requestView("/2fa/setup/remove", {
        method: "POST",
        accept: "application/json",
        contentType: "application/json",
        csrfHeader: newToken,
        body: { ok: true, type: "json", fields: { factor } },
      }),
      session,
      BOB,
    );
    expect(removal).toMatchObject({ status: 409, body: { error: "last_factor", field: "factor" } });
  });

  it("answers 503 with Retry-After when the factor store fails, and changes nothing", async () => {
    const h = harness({ user: () => BOB, factors: failingStore() });
    const session = new FakeSession();
    for (const decision of [
      await getSettings(h, session, BOB),
      await getSettings(h, session, BOB, "/2fa"),
      await postSettings(h, session, BOB, "phone", {
        phone: NEW_PHONE,
        channel: "sms",
        _csrf: "x".repeat(43),
      }),
    ]) {
      expect(decision).toMatchObject({ status: 503, headers: { "Retry-After": "5" } });
    }
    expect(h.provider.starts).toEqual([]);
    expect(session.value).toBeUndefined();
  });

  it("refuses to remove what is not the account's, and the phone on file", async () => {
    const h = harness({ user: () => ALICE });
    const bobs = await enrolDirectly(h, "bob", NEW_PHONE);
    const session = new FakeSession();
    session.value = verifiedRecord("alice", h.clock.ms);
    for (const factor of [bobs, "on_file_phone", "", ["a"]]) {
      const refused = await postSettings(h, session, ALICE, "remove", { factor });
      expect(refused).toMatchObject({ status: 400 });
      expect(html(refused)).toContain('role="alert"');
    }
    expect(await h.core.factors.listFactors("bob")).toHaveLength(1);
  });
});

describe("the challenge with several phones", () => {
  it("offers a choice (field factor) and sends to the phone chosen, never to one given by the request", async () => {
    const h = harness({ user: () => BOB });
    const first = await enrolDirectly(h, "bob", NEW_PHONE);
    h.clock.advance(1_000);
    const second = await enrolDirectly(h, "bob", "+12025550199");
    const session = new FakeSession();
    const page = html(await getSettings(h, session, BOB, "/2fa"));
    expect(page).toContain(`name="factor" value="${first}" checked`);
    expect(page).toContain(`name="factor" value="${second}"`);
    const token = (session.value as { csrf: string }).csrf;
    const send = (fields: Record<string, unknown>) =>
      h.core.handleFlow(
        requestView("/2fa/send", {
          method: "POST",
          contentType: "application/x-www-form-urlencoded",
          body: { ok: true, type: "form", fields: { _csrf: token, channel: "sms", ...fields } },
        }),
        session,
        BOB,
      );
    expect(await send({ factor: second })).toMatchObject({ kind: "redirect" });
    expect(h.provider.starts.at(-1)).toMatchObject({ to: "+12025550199" });
    expect(await send({ factor: "+19998887777" })).toMatchObject({ status: 400 });
    expect(h.provider.starts).toHaveLength(1);
  });
});
