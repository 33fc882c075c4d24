/**
 * Recovery codes in a real Chromium, in both example apps (issue 14): alice passes by SMS, makes a
 * set of recovery codes on the settings page (shown once, under the flow's CSP: the download of the
 * text file works, the print style shows only the codes), signs out, signs in again and passes with one
 * code typed as a person might (capitals, spaces), sees how many are left, and continues to /account.
 */
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE_PHONE, EXAMPLES, type RunningApp, startApp } from "../examples/helpers.js";
import {
  CHROMIUM_INSTALLED,
  CHROMIUM_PATH,
  codeFromInbox,
  IN_CI,
  launchBrowser,
  screenshotBoth,
  seen,
  seriousViolations,
  signIn,
  type TestBrowser,
} from "./browser.js";

if (!CHROMIUM_INSTALLED) {
  describe("the recovery codes browser suite", () => {
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

  describe.each(EXAMPLES)("recovery codes in the %s example", (name) => {
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

    it("makes codes, signs out, and signs in with one", async () => {
      const violations: string[] = [];
      const cspBefore = browser.cspViolations.length;

      // alice passes by SMS.
      await signIn(page, app.url, "alice");
      await page.waitForURL(`${app.url}/2fa`);
      await page.getByLabel(/Text message to/).check();
      await page.getByRole("button", { name: "Send code" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      await inbox.bringToFront();
      const sms = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, ALICE_PHONE);
      await page.bringToFront();
      await page.getByLabel("Verification code").fill(sms);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL(`${app.url}/account`);

      // The settings page makes a set, shown once.
      await page.goto(`${app.url}/2fa/setup`);
      await page.getByRole("button", { name: "Make recovery codes" }).click();
      await page.waitForURL(`${app.url}/2fa/setup/recovery`);
      const items = page.locator("#recovery-codes li");
      expect(await items.count()).toBe(10);
      const codes = (await items.allInnerTexts()).map((code) => code.trim());
      for (const code of codes) expect(code).toMatch(/^[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}$/);
      violations.push(...(await seriousViolations(page)));
      await screenshotBoth(page, name, "recovery-01-codes");

      // The download works under the flow's CSP and holds every code.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Download them as a text file" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("recovery-codes.txt");
      const file = await readFile((await download.path()) ?? "", "utf8");
      for (const code of codes) expect(file).toContain(code);

      // Printed, the page shows the codes and none of the buttons or links around them.
      await page.emulateMedia({ media: "print" });
      expect(await items.first().isVisible()).toBe(true);
      expect(await page.getByRole("link", { name: "I saved them" }).isVisible()).toBe(false);
      expect(await page.locator("footer").isVisible()).toBe(false);
      await page.emulateMedia({ media: "screen" });

      // Shown once: the settings page says how many, never which.
      await page.getByRole("link", { name: "I saved them" }).click();
      await page.waitForURL(`${app.url}/2fa/setup`);
      expect(await seen(page.locator("main"))).toContain("10 unused codes");
      for (const code of codes) expect(await page.content()).not.toContain(code);

      // Sign out, sign in again, and pass with a recovery code typed loosely.
      await page.goto(`${app.url}/`);
      await page.locator('form[action="/logout"] button').first().click();
      await signIn(page, app.url, "alice");
      await page.waitForURL(`${app.url}/2fa`);
      await page.getByRole("link", { name: "Use a recovery code" }).click();
      await page.waitForURL(`${app.url}/2fa/recovery`);
      violations.push(...(await seriousViolations(page)));
      await screenshotBoth(page, name, "recovery-02-enter");
      await page.getByLabel("Recovery code").fill(` ${(codes[4] ?? "").toUpperCase().replaceAll("-", " ")} `);
      await page.getByRole("button", { name: "Use this code" }).click();
      await expect.poll(() => seen(page.locator("main"))).toContain("You have 9 recovery codes left.");
      violations.push(...(await seriousViolations(page)));
      await screenshotBoth(page, name, "recovery-03-used");
      await page.getByRole("link", { name: "Continue" }).click();
      await page.waitForURL(`${app.url}/account`);

      expect(browser.cspViolations.slice(cspBefore)).toEqual([]);
      expect(violations).toEqual([]);
      expect(app.unexpected).toEqual([]);
    }, 120_000);
  });
}
