/**
 * Authenticator apps in a real Chromium, in both example apps (issue 13): bob signs in, adds an app
 * from the settings page (the test reads the secret from `#totp-uri` and computes the code with the
 * same TOTP library an app uses), lands on /account, signs out, signs in again and passes with a code
 * of the app, offered first on the challenge page. axe-core on the set-up and challenge pages, no CSP
 * violation, screenshots of each step.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, type RunningApp, startApp } from "../examples/helpers.js";
import { appCode, secretOfUri } from "../helpers/totp.js";
import {
  CHROMIUM_INSTALLED,
  CHROMIUM_PATH,
  IN_CI,
  launchBrowser,
  PHONE,
  screenshot,
  seriousViolations,
  signIn,
  type TestBrowser,
} from "./browser.js";

if (!CHROMIUM_INSTALLED) {
  describe("the browser suite, authenticator apps", () => {
    it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
      expect(IN_CI, `Chromium is missing at ${CHROMIUM_PATH} and CI is set`).toBe(false);
    });
  });
} else {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each(EXAMPLES)("the %s example in Chromium: an authenticator app", (name) => {
    let app: RunningApp;
    let page: Page;
    let clockOffset = 0;
    const appNow = (): number => Date.now() + clockOffset;

    beforeAll(async () => {
      app = await startApp(name);
      await browser.context.clearCookies();
      page = await browser.newPage();
      await page.setViewportSize(PHONE);
    });
    afterAll(async () => {
      await page?.close();
      await app?.close();
    });

    it("enrols an app from the page's secret, then signs in with it after signing out", async () => {
      await signIn(page, app.url, "bob");
      await page.waitForURL(`${app.url}/2fa/setup`);
      await page.locator('form[action$="/2fa/setup/totp"]').getByRole("button").click();
      await page.waitForURL(`${app.url}/2fa/setup/totp`);
      expect(await seriousViolations(page), "the set-up page").toEqual([]);
      await screenshot(page, name, "20-totp-setup-phone");

      const uri = (await page.locator("#totp-uri").textContent()) ?? "";
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      const secret = secretOfUri(uri);
      // The key as typed by hand is the URI's secret, in groups of four.
      expect(((await page.locator("#totp-secret").textContent()) ?? "").replaceAll(" ", "")).toBe(secret);
      expect(await page.locator("figure.qr svg").count()).toBe(1);

      const form = page.locator('form[action$="/2fa/setup/totp/verify"]');
      await form.getByLabel(/code from your authenticator app/i).fill(appCode(uri, appNow()));
      await form.getByRole("button").click();
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(async () => (await page.locator("main").textContent()) ?? "").toContain("Bob");
      expect(await page.content()).not.toContain(secret);

      await page.getByRole("button", { name: "Sign out" }).first().click();
      await page.waitForURL(/\/$|\/login/);
      // The code of the step used at enrolment passes once: the next one signs in.
      clockOffset += 30_000;
      app.advance(30_000);
      await signIn(page, app.url, "bob");
      await page.waitForURL(`${app.url}/2fa`);
      const challenge = (await page.locator("main").innerHTML()) ?? "";
      expect(challenge.indexOf('action="/2fa/totp"')).toBeGreaterThan(0);
      expect(await seriousViolations(page), "the challenge page with an app").toEqual([]);
      await screenshot(page, name, "21-totp-challenge-phone");
      const appForm = page.locator('form[action$="/2fa/totp"]');
      await appForm.getByLabel(/code from your authenticator app/i).fill(appCode(uri, appNow()));
      await appForm.getByRole("button").click();
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(async () => (await page.locator("main").textContent()) ?? "").toContain("Bob");
      expect(await page.content()).not.toContain(secret);
      await screenshot(page, name, "22-totp-signed-in-phone");
      expect(browser.cspViolations).toEqual([]);
    });
  });
}
