// Behaviour suite, passkeys (issue 15): the WebAuthn ceremonies with generated attestation and
// assertion data (a software authenticator), on Express 5 and 4 and Koa 3 and 2: registration,
// sign-in, a replayed assertion, another user's credential, a wrong origin or rpId, a counter that did
// not increase; the phishing-resistant route; the script, its cache and the CSP; renaming.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newPasskeyChallenge, verifyPasskeyRegistration } from "../../src/factors/passkey/index.js";
import { PASSKEY_SCRIPT } from "../../src/pages/passkey-script.js";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { type SoftAuthenticator, softAuthenticator } from "../helpers/soft-authenticator.js";
import { Browser, csrfOf, type FlowApp, type ScenarioOptions, startFlowApp } from "./harness.js";

const ORIGIN = "http://localhost:3999";
const WEBAUTHN = { rpId: "localhost", rpName: "Behaviour suite", origins: [ORIGIN] };
const ALICE = USERS.alice?.phone ?? "";

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

interface Where {
  origin?: string;
  rpId?: string;
}

describe.each(FRAMEWORKS)("%s: passkeys", (framework) => {
  async function start(options: ScenarioOptions = {}): Promise<FlowApp & { factors: FactorStore }> {
    const factors = createMemoryFactorStore();
    const app = await startFlowApp(framework, emu, {
      phishingResistantRoute: options.webauthn !== undefined || !("webauthn" in options),
      options: { factors, webauthn: WEBAUTHN, ...options },
    });
    running.push(app);
    return Object.assign(app, { factors });
  }

  /** The CSRF token of a JSON client, from the challenge state. */
  async function token(browser: Browser): Promise<string> {
    const state = await browser.json("get", "/2fa");
    expect(state.status).toBe(200);
    return state.body.csrfToken as string;
  }

  function post(browser: Browser, path: string, csrf: string, body: unknown = {}) {
    return browser.json("post", path, body).set("x-csrf-token", csrf);
  }

  /** Bob (no factor) registers `key` from the settings page: the first factor verifies his session. */
  async function register(browser: Browser, key: SoftAuthenticator, name?: string) {
    const csrf = await token(browser);
    const options = await post(browser, "/2fa/setup/passkey/options", csrf);
    expect(options.status).toBe(200);
    const { challenge, rp } = options.body.options as { challenge: string; rp: { id: string } };
    expect(rp.id).toBe("localhost");
    const credential = key.register({ challenge, origin: ORIGIN, rpId: "localhost" });
    return post(browser, "/2fa/setup/passkey", csrf, {
      credential,
      ...(name === undefined ? {} : { name }),
    });
  }

  /** Options for signing in, then the assertion `key` makes for them (`where` may lie about origin/rpId). */
  async function signIn(browser: Browser, key: SoftAuthenticator, where: Where = {}, counter?: number) {
    const csrf = await token(browser);
    const options = await post(browser, "/2fa/passkey/options", csrf);
    expect(options.status).toBe(200);
    const { challenge } = options.body.options as { challenge: string };
    const credential = key.assert(
      { challenge, origin: where.origin ?? ORIGIN, rpId: where.rpId ?? "localhost" },
      counter === undefined ? {} : { counter },
    );
    const answer = await post(browser, "/2fa/passkey", csrf, { credential });
    return { answer, credential, csrf, challenge };
  }

  /** A new session of `user` (a new browser, logged in). */
  async function loggedIn(app: FlowApp, user: string): Promise<Browser> {
    const browser = new Browser(app);
    await browser.login(user);
    return browser;
  }

  it("bob registers a passkey (the first factor verifies his session), then signs in with it on the phishing-resistant route", async () => {
    const app = await start();
    const key = softAuthenticator({ counter: 1, backedUp: true });
    const first = await loggedIn(app, "bob");
    const page = await first.get("/2fa/setup");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(
      /<section data-passkey="register" data-options-url="\/2fa\/setup\/passkey\/options"/,
    );
    expect(page.text).toContain(
      `<script src="/2fa/${PASSKEY_SCRIPT.fileName}" integrity="${PASSKEY_SCRIPT.integrity}" defer></script>`,
    );
    const added = await register(first, key, "Laptop");
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      added: true,
      verified: true,
      factor: { kind: "passkey", name: "Laptop" },
    });
    expect(added.headers["set-cookie"]?.toString()).toMatch(/sid=/);
    const [stored] = await app.factors.listFactors("bob");
    expect(stored).toMatchObject({
      kind: "passkey",
      name: "Laptop",
      credentialId: key.credentialId,
      counter: 1,
      backedUp: true,
      transports: ["internal", "hybrid"],
    });
    expect(JSON.stringify(stored)).not.toMatch(/private|"d":/);
    expect((await first.get("/keys")).status).toBe(200);
    expect(app.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "factor.added", userId: "bob", kind: "passkey" }),
        expect.objectContaining({ type: "verified", userId: "bob", method: "passkey", methods: ["passkey"] }),
      ]),
    );

    const second = await loggedIn(app, "bob");
    const stopped = await second.get("/keys");
    expect(stopped.status).toBe(302);
    expect(stopped.headers.location).toBe("/2fa");
    const challenge = await second.get("/2fa");
    expect(challenge.status).toBe(200);
    expect(challenge.text).toContain("This page needs a passkey");
    expect(challenge.text).toMatch(/<section data-passkey="authenticate"[^>]* hidden>/);
    expect(challenge.text).toContain('name="remember" value="1"');
    expect(challenge.text).not.toContain('action="/2fa/send"');
    const { answer } = await signIn(second, key);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, redirect: "/keys" });
    expect((await second.get("/keys")).status).toBe(200);
    expect((await second.get("/account")).status).toBe(200);
    const status = await second.get("/status", "application/json");
    expect(status.body.plain).toMatchObject({
      verified: true,
      methods: ["passkey"],
      phishingResistant: true,
    });
    expect((await app.factors.listFactors("bob"))[0]).toMatchObject({ counter: 2 });
  });

  it("refuses a replayed assertion: in the same session (the challenge is spent) and in a new ceremony (another challenge)", async () => {
    const app = await start();
    const key = softAuthenticator({ counter: "none" });
    expect((await register(await loggedIn(app, "bob"), key)).status).toBe(200);

    const victim = await loggedIn(app, "bob");
    const { answer, credential, csrf } = await signIn(victim, key);
    expect(answer.status).toBe(200);
    const again = await post(victim, "/2fa/passkey", await token(victim), { credential });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ error: "passkey_challenge_expired" });

    const attacker = await loggedIn(app, "bob");
    const attackerCsrf = await token(attacker);
    expect((await post(attacker, "/2fa/passkey/options", attackerCsrf)).status).toBe(200);
    const replayed = await post(attacker, "/2fa/passkey", attackerCsrf, { credential });
    expect(replayed.status).toBe(403);
    expect(replayed.body).toMatchObject({ error: "passkey_refused" });
    expect((await attacker.get("/account")).status).toBe(302);
    expect(csrf).not.toBe(attackerCsrf);
    expect(app.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "passkey.refused", reason: "no_challenge" }),
        expect.objectContaining({ type: "passkey.refused", reason: "wrong_challenge" }),
      ]),
    );
  });

  it("one assertion passes one request (rule 3): of two concurrent posts of it in one session, one is refused", async () => {
    const app = await start();
    const key = softAuthenticator({ counter: "none" });
    expect((await register(await loggedIn(app, "bob"), key)).status).toBe(200);
    const browser = await loggedIn(app, "bob");
    const csrf = await token(browser);
    const options = await post(browser, "/2fa/passkey/options", csrf);
    const { challenge } = options.body.options as { challenge: string };
    const credential = key.assert({ challenge, origin: ORIGIN, rpId: "localhost" });
    const answers = await Promise.all([
      post(browser, "/2fa/passkey", csrf, { credential }),
      post(browser, "/2fa/passkey", csrf, { credential }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(app.events.filter((event) => event.type === "verified" && event.userId === "bob")).toHaveLength(2);
  });

  it("remember on a passkey sign-in trusts this browser, which then opens plain routes but never the phishing-resistant one", async () => {
    const app = await start();
    const key = softAuthenticator();
    expect((await register(await loggedIn(app, "bob"), key)).status).toBe(200);
    const browser = await loggedIn(app, "bob");
    const csrf = await token(browser);
    const options = await post(browser, "/2fa/passkey/options", csrf);
    const { challenge } = options.body.options as { challenge: string };
    const credential = key.assert({ challenge, origin: ORIGIN, rpId: "localhost" });
    const answer = await post(browser, "/2fa/passkey", csrf, { credential, remember: "1" });
    expect(answer.status).toBe(200);
    expect(answer.headers["set-cookie"]?.toString()).toMatch(/second_factor_trust=/);
    expect(app.events).toContainEqual(expect.objectContaining({ type: "device.trusted", userId: "bob" }));

    await browser.agent.post("/logout");
    await browser.login("bob");
    expect((await browser.get("/account")).status).toBe(200);
    expect((await browser.get("/keys")).status).toBe(302);
  });

  it("refuses a passkey of another account, without saying whose it is", async () => {
    const app = await start();
    const bobs = softAuthenticator();
    expect((await register(await loggedIn(app, "bob"), bobs)).status).toBe(200);
    const carols = softAuthenticator();
    await enrolPasskeyDirectly(app.factors, "carol", carols, app.clock.now);

    const browser = await loggedIn(app, "bob");
    const { answer } = await signIn(browser, carols);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: "passkey_not_recognised" });
    expect(JSON.stringify(answer.body)).not.toContain("carol");
    expect((await browser.get("/account")).status).toBe(302);
    expect(app.events).toContainEqual(
      expect.objectContaining({ type: "passkey.refused", userId: "bob", reason: "not_this_user" }),
    );
  });

  it("refuses an assertion made for another origin or another relying party id", async () => {
    const app = await start();
    const key = softAuthenticator();
    expect((await register(await loggedIn(app, "bob"), key)).status).toBe(200);
    const browser = await loggedIn(app, "bob");
    const phished = await signIn(browser, key, { origin: "https://login-localhost.example" });
    expect(phished.answer.status).toBe(403);
    expect(phished.answer.body).toMatchObject({ error: "passkey_refused" });
    // The refused answer spent its challenge: a right answer to it comes too late.
    const late = key.assert({ challenge: phished.challenge, origin: ORIGIN, rpId: "localhost" });
    const tooLate = await post(browser, "/2fa/passkey", phished.csrf, { credential: late });
    expect(tooLate.status).toBe(422);
    const otherRp = await signIn(browser, key, { rpId: "example.com" });
    expect(otherRp.answer.status).toBe(403);
    expect((await browser.get("/account")).status).toBe(302);
    const reasons = app.events.flatMap((event) => (event.type === "passkey.refused" ? [event.reason] : []));
    expect(reasons).toEqual(["wrong_origin", "no_challenge", "wrong_rp_id"]);

    const stranger = await loggedIn(app, "bob");
    const csrf = await token(stranger);
    const options = await post(stranger, "/2fa/setup/passkey/options", csrf);
    // Bob is not verified in this session and has a factor now: rule 11 asks for the challenge first.
    expect(options.status).toBe(401);
  });

  it("refuses a counter that did not increase (a cloned authenticator), and never lowers the stored one", async () => {
    const app = await start();
    const key = softAuthenticator({ counter: 5 });
    expect((await register(await loggedIn(app, "bob"), key)).status).toBe(200);
    const browser = await loggedIn(app, "bob");
    const same = await signIn(browser, key, {}, 5);
    expect(same.answer.status).toBe(403);
    const lower = await signIn(browser, key, {}, 3);
    expect(lower.answer.status).toBe(403);
    expect((await browser.get("/account")).status).toBe(302);
    expect((await app.factors.listFactors("bob"))[0]).toMatchObject({ counter: 5 });
    const higher = await signIn(browser, key, {}, 9);
    expect(higher.answer.status).toBe(200);
    expect((await app.factors.listFactors("bob"))[0]).toMatchObject({ counter: 9 });
    const reasons = app.events.flatMap((event) => (event.type === "passkey.refused" ? [event.reason] : []));
    expect(reasons).toEqual(["counter_not_increased", "counter_not_increased"]);
  });

  it("the phishing-resistant route refuses a session verified by SMS, says which methods it accepts, and offers only passkeys", async () => {
    const app = await start();
    const browser = await loggedIn(app, "alice");
    expect((await browser.send()).status).toBe(303);
    expect((await browser.verify(emu.lastCode(ALICE) ?? "")).status).toBe(303);
    expect((await browser.get("/account")).status).toBe(200);

    const json = await browser.get("/keys", "application/json");
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({ methods: ["passkey"], phishingResistant: true });
    const plain = await browser.get("/api/me", "application/json");
    expect(plain.status).toBe(200);
    const status = await browser.get("/status", "application/json");
    expect(status.body.plain).toMatchObject({ verified: true, methods: ["sms"], phishingResistant: false });

    const page = await browser.get("/keys");
    expect(page.status).toBe(302);
    const challenge = await browser.get("/2fa");
    expect(challenge.text).toContain("This page needs a passkey");
    expect(challenge.text).toContain("You have no passkey yet");
    expect(challenge.text).toContain('href="/2fa/setup"');
    expect(challenge.text).not.toContain('action="/2fa/send"');
    expect(app.hits).not.toContain("GET /keys");
  });

  it("serves the script publicly with a year's cache, and every flow page's CSP allows exactly it", async () => {
    const app = await start();
    const anonymous = new Browser(app);
    const script = await anonymous.get(`/2fa/${PASSKEY_SCRIPT.fileName}`, "*/*");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.text).toBe(PASSKEY_SCRIPT.source);
    expect((await anonymous.get("/2fa/passkey.0000000000000000.js", "*/*")).status).toBe(404);

    const browser = await loggedIn(app, "alice");
    const page = await browser.get("/2fa");
    const csp = page.headers["content-security-policy"] as string;
    expect(csp).toContain(`script-src ${PASSKEY_SCRIPT.cspSource};`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|'self' 'sha|script-src 'self'/);
    expect(page.text).not.toMatch(/<script>/);
  });

  it("renames a passkey (rule 11, CSRF, a name on one line), with an event", async () => {
    const app = await start();
    const browser = await loggedIn(app, "bob");
    expect((await register(browser, softAuthenticator())).status).toBe(200);
    const page = await browser.get("/2fa/setup");
    const [factor] = await app.factors.listFactors("bob");
    expect(page.text).toContain('action="/2fa/setup/rename"');
    const csrf = csrfOf(page.text);
    expect((await browser.post("/2fa/setup/rename", { factor: factor?.id ?? "", name: "Key" })).status).toBe(
      403,
    );
    const bad = await browser.post("/2fa/setup/rename", {
      factor: factor?.id ?? "",
      name: "a\nb",
      _csrf: csrf,
    });
    expect(bad.status).toBe(400);
    const renamed = await browser.post("/2fa/setup/rename", {
      factor: factor?.id ?? "",
      name: "  Yellow key ",
      _csrf: csrf,
    });
    expect(renamed.status).toBe(303);
    expect(renamed.headers.location).toBe("/2fa/setup");
    expect((await app.factors.listFactors("bob"))[0]?.name).toBe("Yellow key");
    expect(app.events).toContainEqual(
      expect.objectContaining({ type: "factor.renamed", userId: "bob", kind: "passkey", name: "Yellow key" }),
    );
    app.clock.advance(11 * 60_000);
    const stale = await browser.post("/2fa/setup/rename", {
      factor: factor?.id ?? "",
      name: "X",
      _csrf: csrf,
    });
    expect(stale.status).toBe(303);
    expect(stale.headers.location).toBe("/2fa");
    expect((await app.factors.listFactors("bob"))[0]?.name).toBe("Yellow key");
  });

  it("without the webauthn option: no passkey button, no script, and the passkey routes answer 404 passkeys_off", async () => {
    const app = await start({ webauthn: undefined });
    const browser = await loggedIn(app, "alice");
    const page = await browser.get("/2fa");
    expect(page.text).not.toContain("data-passkey");
    expect(page.headers["content-security-policy"]).not.toContain("script-src");
    const csrf = await token(browser);
    for (const path of ["/2fa/passkey/options", "/2fa/passkey", "/2fa/setup/passkey/options"]) {
      const refused = await post(browser, path, csrf);
      expect(refused.status, path).toBe(404);
      expect(refused.body).toMatchObject({ error: "passkeys_off" });
    }
    expect((await browser.get(`/2fa/${PASSKEY_SCRIPT.fileName}`, "*/*")).status).toBe(404);
  });
});

/** Adds `key` to `userId`'s factors as a completed registration would (the store, not the routes). */
async function enrolPasskeyDirectly(
  factors: FactorStore,
  userId: string,
  key: SoftAuthenticator,
  now: number,
): Promise<void> {
  const challenge = newPasskeyChallenge("registration", now);
  const result = await verifyPasskeyRegistration({
    config: WEBAUTHN,
    markers: { claimOnce: async () => true },
    challenge,
    response: key.register({ challenge: challenge.value, origin: ORIGIN, rpId: "localhost" }),
    now,
  });
  if (result.status !== "verified") throw new Error(`registration refused: ${result.reason}`);
  const added = await factors.addFactor(userId, {
    kind: "passkey",
    name: "Key",
    createdAt: now,
    ...result.passkey,
  });
  if (added.status !== "added") throw new Error(added.status);
}
