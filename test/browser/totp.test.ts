import { beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES } from "../examples/helpers.js";
import { appCode, secretOfUri } from "../helpers/totp.js";
import { describeInChromium, openExample, PHONE, screenshot, seriousViolations, signIn } from "./browser.js";

describeInChromium("the browser suite, authenticator apps", (browser) => {
  describe.each(EXAMPLES)("the %s example in Chromium: an authenticator app", (name) => {
    const example = openExample(browser, name);
    let clockOffset = 0;
    const appNow = (): number => Date.now() + clockOffset;
    beforeAll(async () => {
      await example.page.setViewportSize(PHONE);
    });

    it("enrols an app from the page's secret, then signs in with it after signing out", async () => {
      await signIn(example.page, example.app.url, "bob");
      await example.page.waitForURL(`${example.app.url}/2fa/setup`);
      await example.page.locator('form[action$="/2fa/setup/totp"]').getByRole("button").click();
      await example.page.waitForURL(`${example.app.url}/2fa/setup/totp`);
      expect(await seriousViolations(example.page), "the set-up page").toEqual([]);
      await screenshot(example.page, name, "20-totp-setup-phone");

      const uri = (await example.page.locator("#totp-uri").textContent()) ?? "";
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      const secret = secretOfUri(uri);
      // The key as typed by hand is the URI's secret, in groups of four.
      expect(((await example.page.locator("#totp-secret").textContent()) ?? "").replaceAll(" ", "")).toBe(
        secret,
      );
      expect(await example.page.locator("figure.qr svg").count()).toBe(1);

      const form = example.page.locator('form[action$="/2fa/setup/totp/verify"]');
      await form.getByLabel(/code from your authenticator app/i).fill(appCode(uri, appNow()));
      await form.getByRole("button").click();
      await example.page.waitForURL(`${example.app.url}/account`);
      await expect
        .poll(async () => (await example.page.locator("main").textContent()) ?? "")
        .toContain("Bob");
      expect(await example.page.content()).not.toContain(secret);

      await example.page.getByRole("button", { name: "Sign out" }).first().click();
      await example.page.waitForURL(/\/$|\/login/);
      // The code of the step used at enrolment passes once: the next one signs in.
      clockOffset += 30_000;
      example.app.advance(30_000);
      await signIn(example.page, example.app.url, "bob");
      await example.page.waitForURL(`${example.app.url}/2fa`);
      const challenge = (await example.page.locator("main").innerHTML()) ?? "";
      expect(challenge.indexOf('action="/2fa/totp"')).toBeGreaterThan(0);
      expect(await seriousViolations(example.page), "the challenge page with an app").toEqual([]);
      await screenshot(example.page, name, "21-totp-challenge-phone");
      const appForm = example.page.locator('form[action$="/2fa/totp"]');
      await appForm.getByLabel(/code from your authenticator app/i).fill(appCode(uri, appNow()));
      await appForm.getByRole("button").click();
      await example.page.waitForURL(`${example.app.url}/account`);
      await expect
        .poll(async () => (await example.page.locator("main").textContent()) ?? "")
        .toContain("Bob");
      expect(await example.page.content()).not.toContain(secret);
      await screenshot(example.page, name, "22-totp-signed-in-phone");
      expect(browser().cspViolations).toEqual([]);
    });
  });
});
