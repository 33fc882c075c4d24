// Invariant 11: a factor is added only after its owner proves possession of it in this session, by a session that passed the second factor within manageMaxAge (a trusted device does not count) or by any logged-in session of an account with no factor yet; removing a factor asks the same; every change emits an event and revokes the account's trusted devices.
import { describe, expect, it } from "vitest";
import { BOB, FakeSession, harness } from "../helpers/core.js";
import { enrolDirectly, getSettings, postSettings, verifiedRecord } from "../settings/settings-helpers.js";

const NEW_PHONE = "+15017122662";
const MINUTE = 60_000;

describe("invariant 11: possession and freshness for every change of factors", () => {
  it("adds a phone only once the provider approves the code sent to it in this session", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    expect(await getSettings(h, session, BOB)).toMatchObject({ kind: "html", status: 200 });
    expect(await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" })).toMatchObject({
      kind: "redirect",
      location: "/2fa/setup/phone",
    });
    expect(h.provider.starts).toMatchObject([{ to: NEW_PHONE, channel: "sms" }]);
    await postSettings(h, session, BOB, "phone/verify", { code: "000000" });
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
    // An approval of another verification (not the one this session started) adds nothing.
    h.provider.checkAnswer = { status: "approved", sid: `VE${"9".repeat(32)}`, channel: "sms" };
    await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code });
    expect(await h.core.factors.listFactors("bob")).toEqual([]);
    h.provider.checkAnswer = undefined;
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    const added = await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code });
    expect(added).toMatchObject({ kind: "redirect", location: "/2fa/setup" });
    expect(await h.core.factors.listFactors("bob")).toMatchObject([
      { kind: "phone", destination: NEW_PHONE },
    ]);
  });

  it("sends a session verified longer than manageMaxAge ago through the challenge: nothing sent, added or removed", async () => {
    const h = harness({ user: () => BOB, manageMaxAge: "10m" });
    const id = await enrolDirectly(h, "bob", "+12025550199");
    const session = new FakeSession();
    session.value = verifiedRecord("bob", h.clock.ms);
    h.clock.advance(10 * MINUTE + 1_000);
    expect(await getSettings(h, session, BOB)).toMatchObject({
      kind: "redirect",
      status: 302,
      location: "/2fa",
    });
    expect(session.value).toMatchObject({ returnTo: "/2fa/setup", requirement: { maxAgeMs: 10 * MINUTE } });
    const add = await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    expect(add).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
    const remove = await postSettings(h, session, BOB, "remove", { factor: id });
    expect(remove).toMatchObject({ kind: "redirect", status: 303, location: "/2fa" });
    expect(h.provider.starts).toEqual([]);
    expect(await h.core.factors.listFactors("bob")).toHaveLength(1);
  });

  it("accepts a session verified within manageMaxAge, but never one passed by a trusted device", async () => {
    const h = harness({ user: () => BOB });
    await enrolDirectly(h, "bob", "+12025550199");
    const fresh = new FakeSession();
    fresh.value = verifiedRecord("bob", h.clock.ms - 9 * MINUTE);
    expect(await getSettings(h, fresh, BOB)).toMatchObject({ kind: "html", status: 200 });
    const trusted = new FakeSession();
    trusted.value = verifiedRecord("bob", h.clock.ms, ["trusted_device"]);
    expect(await getSettings(h, trusted, BOB)).toMatchObject({ kind: "redirect", location: "/2fa" });
    const json = await getSettings(h, trusted, BOB, "/2fa/setup", "application/json");
    expect(json).toMatchObject({
      kind: "json",
      status: 401,
      body: { error: "second_factor_required", max_age: 600 },
    });
  });

  it("lets any logged-in session of an account with no factor enrol, and only that account", async () => {
    const h = harness({ user: () => BOB });
    const session = new FakeSession();
    expect(await getSettings(h, session, BOB)).toMatchObject({ kind: "html", status: 200 });
    await enrolDirectly(h, "bob", "+12025550199");
    expect(await getSettings(h, session, BOB)).toMatchObject({ kind: "redirect", location: "/2fa" });
  });

  it("emits factor.added and factor.removed, masked, and revokes the account's trusted devices on each change", async () => {
    const h = harness({ user: () => BOB });
    const device = {
      tokenHash: "h".repeat(43),
      label: "Phone",
      createdAt: 0,
      lastUsedAt: 0,
      expiresAt: h.clock.ms + 60 * MINUTE,
    };
    await h.core.factors.addTrustedDevice("bob", device);
    const session = new FakeSession();
    await getSettings(h, session, BOB);
    await postSettings(h, session, BOB, "phone", { phone: NEW_PHONE, channel: "sms" });
    await postSettings(h, session, BOB, "phone/verify", { code: h.provider.code });
    expect(h.events.filter((event) => event.type === "factor.added")).toEqual([
      expect.objectContaining({ userId: "bob", kind: "phone", maskedDestination: "•••• •••• 2662" }),
    ]);
    expect(await h.core.factors.listTrustedDevices("bob", h.clock.ms)).toEqual([]);

    const other = await enrolDirectly(h, "bob", "+12025550199");
    await h.core.factors.addTrustedDevice("bob", device);
    expect(await postSettings(h, session, BOB, "remove", { factor: other })).toMatchObject({
      kind: "redirect",
    });
    expect(h.events.filter((event) => event.type === "factor.removed")).toEqual([
      expect.objectContaining({ userId: "bob", kind: "phone", maskedDestination: "•••• •••• 0199" }),
    ]);
    expect(await h.core.factors.listTrustedDevices("bob", h.clock.ms)).toEqual([]);
    expect(JSON.stringify(h.events)).not.toMatch(/5017122662|2025550199/);
  });
});
