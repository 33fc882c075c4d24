/**
 * Recovery codes in a real Chromium, in both example apps (issue 14): alice passes by SMS, makes a
 * set of recovery codes on the settings page (shown once, under the flow's CSP: the download of the
 * text file works, the print style shows only the codes), signs out, signs in again and passes with one
 * code typed as a person might (capitals, spaces), sees how many are left, and continues to /account.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ALICE_PHONE, EXAMPLES } from "../examples/helpers.js";
import {
  codeFromInbox,
  describeInChromium,
  openExample,
  screenshotBoth,
  seen,
  seriousViolations,
  signIn,
} from "./browser.js";

describeInChromium("the recovery codes browser suite", (browser) => {
  describe.each(EXAMPLES)("recovery codes in the %s example", (name) => {
    const example = openExample(browser, name);

    it("makes codes, signs out, and signs in with one", async () => {
      const violations: string[] = [];
      const cspBefore = browser().cspViolations.length;

      // alice passes by SMS.
      await signIn(example.page, example.app.url, "alice");
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await example.page.getByLabel(/Text message to/).check();
      await example.page.getByRole("button", { name: "Send code" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await example.inbox.bringToFront();
      const sms = await codeFromInbox(
        example.inbox,
        example.app.prepared.setup.inboxUrl as string,
        ALICE_PHONE,
      );
      await example.page.bringToFront();
      await example.page.getByLabel("Verification code").fill(sms);
      await example.page.getByRole("button", { name: "Verify" }).click();
      await example.page.waitForURL(`${example.app.url}/account`);

      // The settings page makes a set, shown once.
      await example.page.goto(`${example.app.url}/2fa/setup`);
      await example.page.getByRole("button", { name: "Make recovery codes" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa/setup/recovery`);
      const items = example.page.locator("#recovery-codes li");
      expect(await items.count()).toBe(10);
      const codes = (await items.allInnerTexts()).map((code) => code.trim());
      for (const code of codes) expect(code).toMatch(/^[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}$/);
      violations.push(...(await seriousViolations(example.page)));
      await screenshotBoth(example.page, name, "recovery-01-codes");

      // The download works under the flow's CSP and holds every code.
      const [download] = await Promise.all([
        example.page.waitForEvent("download"),
        example.page.getByRole("link", { name: "Download them as a text file" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("recovery-codes.txt");
      const file = await readFile((await download.path()) ?? "", "utf8");
      for (const code of codes) expect(file).toContain(code);

      // Printed, the page shows the codes and none of the buttons or links around them.
      await example.page.emulateMedia({ media: "print" });
      expect(await items.first().isVisible()).toBe(true);
      expect(await example.page.getByRole("link", { name: "I saved them" }).isVisible()).toBe(false);
      expect(await example.page.locator("footer").isVisible()).toBe(false);
      await example.page.emulateMedia({ media: "screen" });

      // Shown once: the settings page says how many, never which.
      await example.page.getByRole("link", { name: "I saved them" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa/setup`);
      expect(await seen(example.page.locator("main"))).toContain("10 unused codes");
      for (const code of codes) expect(await example.page.content()).not.toContain(code);

      // Sign out, sign in again, and pass with a recovery code typed loosely.
      await example.page.goto(`${example.app.url}/`);
      await example.page.locator('form[action="/logout"] button').first().click();
      await signIn(example.page, example.app.url, "alice");
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await example.page.getByRole("link", { name: "Use a recovery code" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa/recovery`);
      violations.push(...(await seriousViolations(example.page)));
      await screenshotBoth(example.page, name, "recovery-02-enter");
      await example.page
        .getByLabel("Recovery code")
        .fill(` ${(codes[4] ?? "").toUpperCase().replaceAll("-", " ")} `);
      await example.page.getByRole("button", { name: "Use this code" }).click();
      await expect
        .poll(() => seen(example.page.locator("main")))
        .toContain("You have 9 recovery codes left.");
      violations.push(...(await seriousViolations(example.page)));
      await screenshotBoth(example.page, name, "recovery-03-used");
      await example.page.getByRole("link", { name: "Continue" }).click();
      await example.page.waitForURL(`${example.app.url}/account`);

      expect(browser().cspViolations.slice(cspBefore)).toEqual([]);
      expect(violations).toEqual([]);
      expect(example.app.unexpected).toEqual([]);
    }, 120_000);
  });
});
