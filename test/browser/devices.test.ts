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

describeInChromium("trusted devices in Chromium", (browser) => {
  describe.each(EXAMPLES)("the %s example", (name) => {
    const example = openExample(browser, name);

    async function signOut(): Promise<void> {
      await example.page.goto(`${example.app.url}/`);
      await example.page.getByRole("button", { name: "Sign out" }).first().click();
      await example.page.waitForURL(`${example.app.url}/`);
    }

    async function passByCode(remember: boolean): Promise<void> {
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await example.page.getByLabel(/Text message to/).check();
      await example.page.getByRole("button", { name: "Send code" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await example.inbox.bringToFront();
      const code = await codeFromInbox(
        example.inbox,
        example.app.prepared.setup.inboxUrl as string,
        ALICE_PHONE,
      );
      await example.page.bringToFront();
      await example.page.getByLabel("Verification code").fill(code);
      if (remember) await example.page.getByLabel("Don't ask again on this browser").check();
      await example.page.getByRole("button", { name: "Verify" }).click();
    }

    async function trustCookies(): Promise<string[]> {
      const cookies = await browser().context.cookies(example.app.url);
      return cookies
        .filter((cookie) => cookie.name.endsWith("second_factor_trust"))
        .map((cookie) => cookie.value);
    }

    it("remembers the browser, signs out and in without a code, revokes it, and is asked again", async () => {
      await signIn(example.page, example.app.url, "alice");
      await passByCode(true);
      await example.page.waitForURL(`${example.app.url}/account`);
      const [token] = await trustCookies();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = (await browser().context.cookies(example.app.url)).find(
        (entry) => entry.value === token,
      );
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

      await signOut();
      expect(await trustCookies()).toEqual([token]);
      await signIn(example.page, example.app.url, "alice");
      await example.page.waitForURL(`${example.app.url}/account`);
      await expect.poll(() => seen(example.page.locator("h1"))).toBe("Your account");

      // Managing devices needs a fresh factor other than the device (rule 11): the code again, no remember.
      await example.page.goto(`${example.app.url}/2fa/setup`);
      await passByCode(false);
      await example.page.waitForURL(`${example.app.url}/2fa/setup`);
      const section = example.page.locator("li", { hasText: "(this browser)" });
      await expect.poll(() => seen(section)).toContain("Chrome on Linux");
      expect(await seriousViolations(example.page), "the settings page with a device").toEqual([]);
      await screenshotBoth(example.page, name, "devices-01-settings");
      await section.getByRole("button", { name: "Revoke" }).click();
      await example.page.waitForURL(`${example.app.url}/2fa/setup`);
      await expect.poll(() => seen(example.page.locator("main"))).toContain("No browser is trusted");
      expect(await trustCookies()).toEqual([]);

      await signOut();
      await signIn(example.page, example.app.url, "alice");
      await example.page.waitForURL(`${example.app.url}/2fa`);
      await expect.poll(() => seen(example.page.locator("main"))).toContain("Send code");
    });
  });
});
