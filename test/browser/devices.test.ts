/**
 * Trusted devices in a real Chromium, in both example apps (issue 16): alice ticks "Don't ask again on
 * this browser", signs out (the app's logout keeps the device cookie: the browser is trusted, not the
 * session) and in again without a code, revokes the device on the settings page, signs out and in, and
 * is asked for a code again.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE_PHONE, EXAMPLES, type RunningApp, startApp } from "../examples/helpers.js";
import {
  CHROMIUM_INSTALLED,
  codeFromInbox,
  launchBrowser,
  screenshotBoth,
  seen,
  seriousViolations,
  signIn,
  type TestBrowser,
} from "./browser.js";

describe.runIf(CHROMIUM_INSTALLED)("trusted devices in Chromium", () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each(EXAMPLES)("the %s example", (name) => {
    let app: RunningApp;
    let page: Page;
    let inbox: Page;

    beforeAll(async () => {
      app = await startApp(name);
      await browser.context.clearCookies();
      page = await browser.newPage();
      inbox = await browser.newPage();
      await page.bringToFront();
    });
    afterAll(async () => {
      await page?.close();
      await inbox?.close();
      await app?.close();
    });

    async function signOut(): Promise<void> {
      await page.goto(`${app.url}/`);
      await page.getByRole("button", { name: "Sign out" }).first().click();
      await page.waitForURL(`${app.url}/`);
    }

    async function passByCode(remember: boolean): Promise<void> {
      await page.waitForURL(`${app.url}/2fa`);
      await page.getByLabel(/Text message to/).check();
      await page.getByRole("button", { name: "Send code" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      await inbox.bringToFront();
      const code = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, ALICE_PHONE);
      await page.bringToFront();
      await page.getByLabel("Verification code").fill(code);
      if (remember) await page.getByLabel("Don't ask again on this browser").check();
      await page.getByRole("button", { name: "Verify" }).click();
    }

    async function trustCookies(): Promise<string[]> {
      const cookies = await browser.context.cookies(app.url);
      return cookies
        .filter((cookie) => cookie.name.endsWith("second_factor_trust"))
        .map((cookie) => cookie.value);
    }

    it("remembers the browser, signs out and in without a code, revokes it, and is asked again", async () => {
      await signIn(page, app.url, "alice");
      await passByCode(true);
      await page.waitForURL(`${app.url}/account`);
      const [token] = await trustCookies();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = (await browser.context.cookies(app.url)).find((entry) => entry.value === token);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

      await signOut();
      expect(await trustCookies()).toEqual([token]);
      await signIn(page, app.url, "alice");
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(() => seen(page.locator("h1"))).toBe("Your account");

      // Managing devices needs a fresh factor other than the device (rule 11): the code again, no remember.
      await page.goto(`${app.url}/2fa/setup`);
      await passByCode(false);
      await page.waitForURL(`${app.url}/2fa/setup`);
      const section = page.locator("li", { hasText: "(this browser)" });
      await expect.poll(() => seen(section)).toContain("Chrome on Linux");
      expect(await seriousViolations(page), "the settings page with a device").toEqual([]);
      await screenshotBoth(page, name, "devices-01-settings");
      await section.getByRole("button", { name: "Revoke" }).click();
      await page.waitForURL(`${app.url}/2fa/setup`);
      await expect.poll(() => seen(page.locator("main"))).toContain("No browser is trusted");
      expect(await trustCookies()).toEqual([]);

      await signOut();
      await signIn(page, app.url, "alice");
      await page.waitForURL(`${app.url}/2fa`);
      await expect.poll(() => seen(page.locator("main"))).toContain("Send code");
    });
  });
});
