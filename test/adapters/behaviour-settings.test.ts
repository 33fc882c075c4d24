// Behaviour suite, the settings (issue 12): enrolment with proof, removal, rule 11's freshness, CSRF
// on every new POST, removed phones and masked events, on Express 5 and 4 and Koa 3 and 2, through
// supertest, the real twilio SDK and the Verify emulator.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, csrfOf, type FlowApp, type ScenarioOptions, startFlowApp, wrongCode } from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";
const BOB_PHONE = "+15017122662";
const BOB_OTHER = "+12025550199";
const MINUTE = 60_000;

let emu: VerifyEmulator;
const running: FlowApp[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

describe.each(FRAMEWORKS)("%s: settings", (framework) => {
  async function start(options: ScenarioOptions = {}): Promise<FlowApp & { factors: FactorStore }> {
    const factors = (options.factors as FactorStore | undefined) ?? createMemoryFactorStore();
    const app = await startFlowApp(framework, emu, { options: { factors, ...options } });
    running.push(app);
    return Object.assign(app, { factors });
  }

  async function settingsToken(browser: Browser): Promise<string> {
    const page = await browser.get("/2fa/setup");
    expect(page.status).toBe(200);
    return csrfOf(page.text);
  }

  /** Alice passes the second factor by her phone on file. */
  async function verifyAlice(browser: Browser): Promise<void> {
    await browser.login("alice");
    expect((await browser.send()).status).toBe(303);
    const code = emu.lastCode(ALICE) ?? "";
    expect((await browser.verify(code)).status).toBe(303);
  }

  async function enrolBob(browser: Browser, phone = BOB_PHONE): Promise<void> {
    const token = await settingsToken(browser);
    expect((await browser.post("/2fa/setup/phone", { phone, channel: "sms", _csrf: token })).status).toBe(
      303,
    );
    const code = emu.lastCode(phone) ?? "";
    const verified = await browser.post("/2fa/setup/phone/verify", { code, _csrf: token });
    expect(verified.status).toBe(303);
  }

  it("sends bob (no factor) to the settings page; a wrong code adds nothing; the right one adds the phone and verifies the session", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("bob");
    expect((await browser.get("/account")).headers.location).toBe("/2fa");
    const challenge = await browser.get("/2fa");
    expect(challenge.status).toBe(302);
    expect(challenge.headers.location).toBe("/2fa/setup");

    const page = await browser.get("/2fa/setup");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<form method="post" action="[^"]*\/2fa\/setup\/phone">/);
    expect(page.text).toMatch(/<label for="sf-phone">/);
    expect(page.text).toMatch(/<input type="tel" id="sf-phone" name="phone"/);
    expect(page.text).toMatch(
      /<label class="choice" for="sf-enrol-sms"><input type="radio" id="sf-enrol-sms" name="channel"/,
    );
    const token = csrfOf(page.text);

    const started = await browser.post("/2fa/setup/phone", {
      phone: "+1 (501) 712-2662",
      channel: "sms",
      _csrf: token,
    });
    expect(started.status).toBe(303);
    expect(started.headers.location).toBe("/2fa/setup/phone");
    expect(emu.messages().map((message) => message.to)).toEqual([BOB_PHONE]);
    const codePage = await browser.get("/2fa/setup/phone");
    expect(codePage.status).toBe(200);
    expect(codePage.text).toContain('name="code"');
    expect(codePage.text).not.toContain(BOB_PHONE);

    const code = emu.lastCode(BOB_PHONE) ?? "";
    const wrong = await browser.post("/2fa/setup/phone/verify", { code: wrongCode(code), _csrf: token });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.location).toBe("/2fa/setup/phone");
    expect(await app.factors.listFactors("bob")).toEqual([]);
    expect((await browser.get("/account")).status).toBe(302);

    const right = await browser.post("/2fa/setup/phone/verify", { code, _csrf: token });
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe("/account");
    expect(right.headers["set-cookie"]?.toString()).toMatch(/sid=/);
    const factors = await app.factors.listFactors("bob");
    expect(factors).toMatchObject([{ kind: "phone", destination: BOB_PHONE }]);
    expect((await browser.get("/account")).status).toBe(200);
    expect(app.events.filter((event) => event.type === "factor.added")).toEqual([
      expect.objectContaining({ userId: "bob", kind: "phone", maskedDestination: "•••• •••• 2662" }),
    ]);
  });

  it("refuses a malformed number, or one from a country not allowed, on its field, and sends nothing", async () => {
    const app = await start({ phoneNumbers: { allowedCountries: ["US"] } });
    const browser = new Browser(app);
    await browser.login("bob");
    const token = await settingsToken(browser);
    const malformed = await browser.post("/2fa/setup/phone", { phone: "12ab", channel: "sms", _csrf: token });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toMatch(
      /<input type="tel" id="sf-phone" name="phone"[^>]*aria-describedby="sf-phone-hint sf-phone-error" aria-invalid="true"/,
    );
    expect(malformed.text).toContain("not a valid phone number");
    const tooShort = await browser.post("/2fa/setup/phone", {
      phone: "+44 7700 900123",
      channel: "sms",
      _csrf: token,
    });
    expect(tooShort.status).toBe(400);
    expect(tooShort.text).toContain("not a valid phone number");
    const french = await browser.post("/2fa/setup/phone", {
      phone: "+33 6 12 34 56 78",
      channel: "sms",
      _csrf: token,
    });
    expect(french.status).toBe(400);
    expect(french.text).toContain("that country");
    const json = await browser
      .json("post", "/2fa/setup/phone", { phone: "555", channel: "sms" })
      .set("x-csrf-token", token);
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error: "invalid_phone", field: "phone" });
    expect(emu.messages()).toEqual([]);
    expect(await app.factors.listFactors("bob")).toEqual([]);
  });

  it("sends a stale session through the challenge before it can add or remove anything, then back to the settings", async () => {
    const app = await start();
    await app.factors.addFactor("alice", {
      kind: "phone",
      name: "Phone",
      destination: BOB_OTHER,
      createdAt: app.clock.now,
      verifiedAt: app.clock.now,
    });
    const [extra] = await app.factors.listFactors("alice");
    const browser = new Browser(app);
    await verifyAlice(browser);
    const token = await settingsToken(browser);
    app.clock.advance(11 * MINUTE);
    emu.reset();

    const page = await browser.get("/2fa/setup");
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe("/2fa");
    const add = await browser.post("/2fa/setup/phone", { phone: BOB_PHONE, channel: "sms", _csrf: token });
    expect(add.status).toBe(303);
    expect(add.headers.location).toBe("/2fa");
    const remove = await browser.post("/2fa/setup/remove", { factor: extra?.id ?? "", _csrf: token });
    expect(remove.status).toBe(303);
    expect(remove.headers.location).toBe("/2fa");
    const json = await browser.json("get", "/2fa/setup");
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({ error: "second_factor_required", max_age: 600 });
    expect(emu.messages()).toEqual([]);
    expect(await app.factors.listFactors("alice")).toHaveLength(1);

    expect((await browser.send()).status).toBe(303);
    const back = await browser.verify(emu.lastCode(ALICE) ?? "");
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe("/2fa/setup");
    expect((await browser.get("/2fa/setup")).status).toBe(200);
  });

  it("refuses every new POST without its CSRF token (403), changing nothing", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("bob");
    await settingsToken(browser);
    for (const [path, fields] of [
      ["/2fa/setup/phone", { phone: BOB_PHONE, channel: "sms" }],
      ["/2fa/setup/phone/verify", { code: "123456" }],
      ["/2fa/setup/phone/cancel", {}],
      ["/2fa/setup/remove", { factor: "on_file_phone" }],
    ] as const) {
      const refused = await browser.post(path, fields);
      expect(refused.status, path).toBe(403);
    }
    expect(emu.messages()).toEqual([]);
    expect(app.events.filter((event) => event.type === "csrf.failed")).toHaveLength(4);
  });

  it("sends no code to a removed phone, voids a code pending on it, and fires masked events only", async () => {
    const app = await start();
    const browser = new Browser(app);
    await browser.login("bob");
    await enrolBob(browser, BOB_PHONE);
    expect((await browser.get("/2fa/setup")).status).toBe(200);
    await enrolBob(browser, BOB_OTHER);
    const factors = await app.factors.listFactors("bob");
    const other = factors.find((factor) => factor.kind === "phone" && factor.destination === BOB_OTHER);
    expect(other).toBeDefined();

    // In another session of bob's, a code pending on the other phone, chosen with field `factor`.
    const second = new Browser(app);
    await second.login("bob");
    const challenge = await second.get("/2fa");
    expect(challenge.text).toContain('name="factor"');
    const secondToken = csrfOf(challenge.text);
    const sent = await second.post("/2fa/send", {
      channel: "sms",
      factor: other?.id ?? "",
      _csrf: secondToken,
    });
    expect(sent.status).toBe(303);
    const pendingCode = emu.lastCode(BOB_OTHER) ?? "";
    const token = await settingsToken(browser);

    const removed = await browser.post("/2fa/setup/remove", { factor: other?.id ?? "", _csrf: token });
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe("/2fa/setup");
    const sentBefore = emu.messages({ to: BOB_OTHER }).length;
    const stale = await second.post("/2fa/verify", { code: pendingCode, _csrf: secondToken });
    expect(stale.status).toBe(400);
    expect((await second.get("/account")).status).toBe(302);
    const refused = await second.post("/2fa/send", {
      channel: "sms",
      factor: other?.id ?? "",
      _csrf: secondToken,
    });
    expect(refused.status).toBe(400);
    expect(emu.messages({ to: BOB_OTHER })).toHaveLength(sentBefore);

    const types = app.events.map((event) => event.type);
    expect(types).toContain("factor.removed");
    expect(app.events.find((event) => event.type === "factor.removed")).toMatchObject({
      kind: "phone",
      maskedDestination: "•••• •••• 0199",
    });
    const everything = JSON.stringify(app.events) + app.logs.join("\n");
    for (const full of [BOB_PHONE, BOB_OTHER, "5017122662", "2025550199"])
      expect(everything).not.toContain(full);
  });

  it('refuses to remove the last factor under enrolment "required", and lists the phone on file as not removable', async () => {
    const app = await start();
    const bob = new Browser(app);
    await bob.login("bob");
    await enrolBob(bob);
    const [only] = await app.factors.listFactors("bob");
    const token = await settingsToken(bob);
    const refused = await bob.post("/2fa/setup/remove", { factor: only?.id ?? "", _csrf: token });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("only second factor");
    expect(await app.factors.listFactors("bob")).toHaveLength(1);

    const alice = new Browser(app);
    await verifyAlice(alice);
    const page = await alice.get("/2fa/setup");
    expect(page.text).toContain("On file");
    expect(page.text).not.toContain('name="factor" value="on_file_phone"');
    const aliceToken = csrfOf(page.text);
    const onFile = await alice.post("/2fa/setup/remove", { factor: "on_file_phone", _csrf: aliceToken });
    expect(onFile.status).toBe(400);
  });
});
