/**
 * Passkeys in a real Chromium with a virtual authenticator (Chrome DevTools Protocol
 * `WebAuthn.addVirtualAuthenticator` through playwright-core), in both example apps at
 * `http://localhost:PORT` (WebAuthn refuses IP addresses): bob adds a passkey from the settings page
 * (his first factor) and lands on the phishing-resistant `/security-keys`; he signs in again with it;
 * alice, verified by SMS, is refused there and told she has no passkey. axe-core on each page, no CSP
 * violation: the script runs under the flow's policy, allowed by its hash.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp as createExpressApp } from "../../examples/express/app.js";
import { createApp as createKoaApp } from "../../examples/koa/app.js";
import { type PreparedExample, prepareExample } from "../../examples/shared/setup.js";
import { ALICE_PHONE, BASE_ENV, EXAMPLES, type ExampleName } from "../examples/helpers.js";
import {
  CHROMIUM_INSTALLED,
  CHROMIUM_PATH,
  IN_CI,
  launchBrowser,
  PHONE,
  screenshot,
  seen,
  seriousViolations,
  signIn,
  type TestBrowser,
} from "./browser.js";

interface LocalhostApp {
  readonly url: string;
  readonly prepared: PreparedExample;
  close(): Promise<void>;
}

/** A free port of 127.0.0.1, so that PUBLIC_URL can name it before the app starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts an example whose PUBLIC_URL is `http://localhost:PORT`, listening on 127.0.0.1:PORT. */
async function startOnLocalhost(name: ExampleName): Promise<LocalhostApp> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const prepared = await prepareExample(
    { ...BASE_ENV, PORT: String(port), PUBLIC_URL: url },
    { defaultPort: 0 },
  );
  const listener: RequestListener =
    name === "express" ? createExpressApp(prepared.setup) : createKoaApp(prepared.setup).callback();
  const server: Server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url,
    prepared,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await prepared.close();
    },
  };
}

/** A platform authenticator that keeps resident keys and verifies the user without asking. */
async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

if (CHROMIUM_INSTALLED) {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each(EXAMPLES)("passkeys in the %s example, in Chromium", (name) => {
    let app: LocalhostApp;
    let page: Page;
    let cdp: CDPSession;
    let authenticatorId: string;
    const violations: string[] = [];
    const check = async () => {
      violations.push(...(await seriousViolations(page)));
    };

    beforeAll(async () => {
      app = await startOnLocalhost(name);
      await browser.context.clearCookies();
      page = await browser.newPage();
      await page.setViewportSize(PHONE);
      ({ cdp, authenticatorId } = await addVirtualAuthenticator(page));
    });
    afterAll(async () => {
      await cdp?.detach().catch(() => {});
      await page?.close();
      await app?.close();
    });

    it("bob adds a passkey from the settings page (his first factor) and lands on /security-keys", async () => {
      await signIn(page, app.url, "bob", "/security-keys");
      await page.waitForURL(`${app.url}/2fa/setup`);
      const add = page.locator('[data-passkey="register"]');
      await expect.poll(() => add.isVisible()).toBe(true);
      await check();
      await screenshot(page, name, "30-passkey-setup-phone");
      await add.getByLabel(/Name of the passkey/).fill("This phone");
      await add.getByRole("button", { name: "Add a passkey" }).click();
      await page.waitForURL(`${app.url}/security-keys`);
      await expect.poll(() => seen(page.locator("main"))).toContain("You reached this page with a passkey");
      await check();
      await screenshot(page, name, "31-security-keys-phone");
      const [factor] = await app.prepared.setup.factors.listFactors("usr_1003");
      expect(factor).toMatchObject({ kind: "passkey", name: "This phone" });
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]?.isResidentCredential).toBe(true);
    });

    it("bob signs in again with his passkey: the challenge offers only the passkey", async () => {
      await browser.context.clearCookies();
      await signIn(page, app.url, "bob", "/security-keys");
      await page.waitForURL(`${app.url}/2fa`);
      await expect.poll(() => seen(page.locator("main"))).toContain("This page needs a passkey");
      expect(await page.locator('form[action$="/2fa/send"]').count()).toBe(0);
      const use = page.getByRole("button", { name: "Use a passkey" });
      await expect.poll(() => use.isVisible()).toBe(true);
      await check();
      await screenshot(page, name, "32-passkey-challenge-phone");
      await use.click();
      await page.waitForURL(`${app.url}/security-keys`);
      await expect.poll(() => seen(page.locator("main"))).toContain("You reached this page with a passkey");
    });

    it("refuses alice's session verified by SMS on /security-keys, and says she has no passkey", async () => {
      await browser.context.clearCookies();
      await signIn(page, app.url, "alice", "/account");
      await page.waitForURL(`${app.url}/2fa`);
      await page.getByLabel(/Text message to/).check();
      await page.getByRole("button", { name: "Send code" }).click();
      await expect.poll(() => seen(page.locator("main"))).toContain("We sent a code");
      const code = app.prepared.verify.emulator?.lastCode(ALICE_PHONE) ?? "";
      await page.getByLabel("Verification code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL(`${app.url}/account`);

      await page.goto(`${app.url}/security-keys`);
      expect(new URL(page.url()).pathname).toBe("/2fa");
      const main = page.locator("main");
      await expect.poll(() => seen(main)).toContain("This page needs a passkey");
      await expect.poll(() => seen(main)).toContain("You have no passkey yet");
      expect(
        await page.getByRole("link", { name: "Go to your security settings" }).getAttribute("href"),
      ).toBe("/2fa/setup");
      await check();
      await screenshot(page, name, "33-passkey-required-phone");
      expect(violations).toEqual([]);
      expect(browser.cspViolations).toEqual([]);
    });
  });
} else {
  describe("passkeys in Chromium", () => {
    it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
      expect(IN_CI, `Chromium is missing at ${CHROMIUM_PATH} and CI is set`).toBe(false);
    });
  });
}
