/**
 * Each example app (Express and Koa) and the library's settings pages at /2fa/setup, driven through
 * their forms with supertest and the embedded emulator: bob, who has no factor, is sent to the settings
 * page, enrols a phone with the code sent to it and lands where he was going; a wrong code adds nothing;
 * alice, who has a phone, opens the settings only after a fresh second factor (MANAGE_MAX_AGE).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE_PHONE,
  BOB_ID,
  BOB_NEW_PHONE,
  EXAMPLES,
  enrolBob,
  follow,
  forms,
  type RunningApp,
  requestEnrolmentCode,
  sendCode,
  signIn,
  startApp,
  submitCode,
  submitEnrolmentCode,
} from "./helpers.js";

const MANAGE_MAX_AGE_MS = 60_000;

describe.each(EXAMPLES)("the %s example's settings", (name) => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(name, { env: { MANAGE_MAX_AGE: "1m" } });
  });
  afterAll(async () => {
    expect(app.unexpected).toEqual([]);
    await app.close();
  });

  const bobsPhones = async () =>
    (await app.prepared.setup.factors.listFactors(BOB_ID)).flatMap((factor) =>
      factor.kind === "phone" ? [factor.destination] : [],
    );

  it("sends bob, who has no factor, to /2fa/setup; a wrong code adds nothing", async () => {
    const client = app.client();
    expect((await signIn(client, "bob", "bob-password", "/account")).status).toBe(303);
    const landed = await follow(client, "/account");
    expect(landed.path).toBe("/2fa/setup");
    expect(landed.response.status).toBe(200);
    const add = forms(landed.response.text).find((form) => form.action.endsWith("/2fa/setup/phone"));
    expect(add?.body).toMatch(/name="phone"/);
    expect(add?.body).toMatch(/name="channel"/);

    const sent = await requestEnrolmentCode(client, BOB_NEW_PHONE, "sms");
    expect(sent.status).toBe(303);
    const code = app.emulator.lastCode(BOB_NEW_PHONE) as string;
    expect(code).toMatch(/^\d{4,10}$/);
    const wrong = code === "000000" ? "111111" : "000000";
    const refused = await submitEnrolmentCode(client, wrong);
    expect([303, 400, 422]).toContain(refused.status);
    expect(refused.headers.location ?? "").not.toBe("/account");
    expect(await bobsPhones()).toEqual([]);
    expect((await follow(client, "/account")).path).toBe("/2fa/setup");
  });

  it("enrols bob's phone by SMS with the code from the inbox, verifies his session and lands on /account", async () => {
    const client = app.client();
    const answer = await enrolBob(app, client, BOB_NEW_PHONE);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe("/account");
    expect(await bobsPhones()).toEqual([BOB_NEW_PHONE]);
    const account = await client.get("/account");
    expect(account.status).toBe(200);
    expect(account.text).toContain("0123");
    expect(account.text).not.toContain(BOB_NEW_PHONE);
  });

  it("lets alice open /2fa/setup only after a fresh second factor, within MANAGE_MAX_AGE", async () => {
    const client = app.client();
    expect((await signIn(client, "alice", "alice-password")).status).toBe(303);
    const stale = await client.get("/2fa/setup");
    expect([302, 303]).toContain(stale.status);
    expect(stale.headers.location).toBe("/2fa");
    expect(
      forms((await client.get("/2fa")).text).some((form) => form.action.endsWith("/2fa/setup/phone")),
    ).toBe(false);

    expect((await sendCode(client, "sms")).status).toBe(303);
    expect((await submitCode(client, app.emulator.lastCode(ALICE_PHONE) as string)).status).toBe(303);
    const fresh = await client.get("/2fa/setup");
    expect(fresh.status).toBe(200);
    const removable = forms(fresh.text).filter((form) => form.action.endsWith("/2fa/setup/remove"));
    expect(removable.length).toBeGreaterThanOrEqual(1);
    expect(
      removable.every((form) => /<input\b(?=[^>]*type="hidden")(?=[^>]*name="factor")[^>]*>/.test(form.body)),
    ).toBe(true);
    expect(fresh.text).not.toContain(ALICE_PHONE);

    app.advance(MANAGE_MAX_AGE_MS + 1000);
    const later = await client.get("/2fa/setup");
    expect(later.headers.location).toBe("/2fa");
    // /account needs no fresh factor: the session is still verified.
    expect((await client.get("/account")).status).toBe(200);
  });
});
