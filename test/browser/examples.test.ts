/**
 * The example apps in a real Chromium, as a person uses them: sign in as alice, land on the challenge,
 * send a code by SMS, read it in the emulator's inbox in a second tab, type it, land back on
 * /account; a wrong code; step-up on /transfer; bob enrolling a phone on a phone-sized screen; the whole flow by keyboard alone; axe-core on every
 * page. Screenshots of each step go to screenshots/ (phone and desktop).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE_PHONE, BOB_NEW_PHONE, EXAMPLES, type RunningApp, startApp } from "../examples/helpers.js";
import {
  CHROMIUM_INSTALLED,
  CHROMIUM_PATH,
  codeFromInbox,
  DESKTOP,
  IN_CI,
  launchBrowser,
  PHONE,
  screenshot,
  screenshotBoth,
  seen,
  seriousViolations,
  type TestBrowser,
} from "./browser.js";

/** The little of the page's DOM the suite touches (the project's TypeScript has no DOM library). */
interface InPage {
  document: { activeElement: { matches(selector: string): boolean } | null };
}

/** Presses Tab until the element matching `selector` has the focus (keyboard only; fails after 30). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 30; presses += 1) {
    const focused = await page.evaluate(
      (wanted) => (globalThis as unknown as InPage).document.activeElement?.matches(wanted) === true,
      selector,
    );
    if (focused) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

if (!CHROMIUM_INSTALLED) {
  describe("the browser suite", () => {
    it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
      console.warn(
        `The browser suite did not run: Chromium is not installed at ${CHROMIUM_PATH} (install Debian's "chromium" package, or set CHROMIUM_PATH).`,
      );
      // Outside CI a missing Chromium only skips the suite; in CI it is a failure.
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

  describe.each(EXAMPLES)("the %s example in Chromium", (name) => {
    let app: RunningApp;
    let page: Page;
    let inbox: Page;
    const violations: string[] = [];
    const check = async (target: Page = page) => {
      violations.push(...(await seriousViolations(target)));
    };

    beforeAll(async () => {
      // Long enough that a slow machine cannot close the window between two steps; the test moves the
      // app clock past it when it wants it closed.
      app = await startApp(name, { env: { STEP_UP_MAX_AGE: "60s" } });
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

    it("signs alice in, sends a code by SMS, reads it in the inbox, and lands back on /account", async () => {
      await page.goto(`${app.url}/`);
      await check();
      await screenshotBoth(page, name, "01-home");

      await page.goto(`${app.url}/account`);
      expect(new URL(page.url()).pathname).toBe("/login");
      await check();
      await screenshotBoth(page, name, "02-login");

      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill("wrong-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => seen(page.getByRole("alert"))).toContain("Wrong username or password.");
      await check();
      await screenshot(page, name, "03-login-error-phone");

      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill("alice-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      await check();
      await screenshotBoth(page, name, "04-challenge");

      await page.getByLabel(/Text message to/).check();
      await page.getByRole("button", { name: "Send code" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      await expect.poll(() => seen(page.locator("main"))).toContain("We sent a code by text message");
      await check();
      await screenshotBoth(page, name, "05-code-sent");

      await inbox.bringToFront();
      const code = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, ALICE_PHONE);
      await screenshot(inbox, name, "06-inbox-phone");
      await page.bringToFront();

      const wrong = code === "000000" ? "111111" : "000000";
      await page.getByLabel("Verification code").fill(wrong);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect.poll(() => seen(page.locator("main"))).toContain("That code was not right");
      await check();
      await screenshotBoth(page, name, "07-wrong-code");

      await page.getByLabel("Verification code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(() => seen(page.locator("h1"))).toBe("Your account");
      await check();
      await screenshotBoth(page, name, "08-account");

      await page.goto(`${app.url}/`);
      await check();
      await screenshotBoth(page, name, "09-home-signed-in");
    });

    it("asks again on /transfer after the step-up window, then lets the transfer through", async () => {
      await page.goto(`${app.url}/transfer`);
      expect(new URL(page.url()).pathname).toBe("/transfer");
      await check();
      await screenshotBoth(page, name, "10-transfer");

      app.advance(61_000);
      await page.goto(`${app.url}/transfer`);
      expect(new URL(page.url()).pathname).toBe("/2fa");
      await expect.poll(() => seen(page.locator("main"))).toContain("needs a recent verification");
      await check();
      await screenshotBoth(page, name, "11-step-up");

      await page.getByRole("button", { name: "Send code" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      const code = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, ALICE_PHONE);
      await page.getByLabel("Verification code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL(`${app.url}/transfer`);

      await page.getByRole("button", { name: "Send transfer" }).click();
      await expect.poll(() => seen(page.getByRole("alert"))).toContain("The transfer was not sent");
      await check();
      await screenshotBoth(page, name, "12-transfer-errors");

      await page.getByLabel("Amount").fill("25");
      await page.getByLabel("Recipient").fill("Dave");
      await page.getByRole("button", { name: "Send transfer" }).click();
      await page.waitForURL(`${app.url}/transfer/done`);
      await expect.poll(() => seen(page.locator("main"))).toContain("$25.00 to Dave");
      await check();
      await screenshot(page, name, "13-transfer-done-phone");
    });

    it("walks bob's enrolment on a phone: sign in, the settings page, a phone by text message, the code from the inbox, /account", async () => {
      await browser.context.clearCookies();
      await page.setViewportSize(PHONE);
      await page.goto(`${app.url}/login?returnTo=%2Faccount`);
      await page.getByLabel("Username").fill("bob");
      await page.getByLabel("Password").fill("bob-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/2fa/setup`);
      expect(await seriousViolations(page), "the settings page").toEqual([]);
      await screenshot(page, name, "14-bob-setup-phone");

      const add = page.locator('form[action$="/2fa/setup/phone"]');
      await add.getByLabel(/phone number/i).fill(BOB_NEW_PHONE);
      await add.getByRole("radio", { name: /text message/i }).check();
      await screenshot(page, name, "15-bob-phone-typed-phone");
      await add.getByRole("button").click();
      await page.waitForURL(`${app.url}/2fa/setup/phone`);
      expect(await seriousViolations(page), "the enrolment code page").toEqual([]);

      const code = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, BOB_NEW_PHONE);
      await page.bringToFront();
      const verify = page.locator('form[action$="/2fa/setup/phone/verify"]');
      await verify.getByLabel(/verification code/i).fill(code);
      await screenshot(page, name, "16-bob-code-typed-phone");
      await verify.getByRole("button").click();
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(() => seen(page.locator("main"))).toContain("Bob");
      await expect.poll(() => seen(page.locator("main"))).toContain("0123");
      await check();
      await screenshot(page, name, "17-bob-enrolled-phone");

      const missing = await page.goto(`${app.url}/no-such-page`);
      expect(missing?.status()).toBe(404);
      await check();
      await screenshot(page, name, "18-not-found-phone");
    });

    it("works with the keyboard alone, from the sign-in form to /account", async () => {
      await browser.context.clearCookies();
      await page.goto(`${app.url}/login?returnTo=%2Faccount`);
      await tabTo(page, "#username");
      await page.keyboard.type("carol");
      await page.keyboard.press("Tab");
      await page.keyboard.type("carol-password");
      await page.keyboard.press("Enter");
      await page.waitForURL(`${app.url}/2fa`);

      await tabTo(page, 'form[action$="/2fa/send"] button[type="submit"]');
      await screenshot(page, name, "19-keyboard-focus-phone");
      await page.keyboard.press("Enter");
      await expect.poll(() => seen(page.locator("main"))).toContain("We sent a code");
      const code = await codeFromInbox(inbox, app.prepared.setup.inboxUrl as string, "+12025550123");
      await tabTo(page, "#sf-code");
      await page.keyboard.type(code);
      await page.keyboard.press("Enter");
      await page.waitForURL(`${app.url}/account`);
      await expect.poll(() => seen(page.locator("main"))).toContain("carol");

      await tabTo(page, 'form[action="/logout"] button');
      await page.keyboard.press("Enter");
      await page.waitForURL(`${app.url}/`);
      await expect.poll(() => seen(page.locator("main"))).toContain("Sign in");
    });

    it("finds no serious or critical accessibility violation, in light and dark, and no CSP violation", async () => {
      await browser.context.clearCookies();
      await page.emulateMedia({ colorScheme: "dark" });
      await page.setViewportSize(DESKTOP);
      await page.goto(`${app.url}/login?returnTo=%2Faccount`);
      await check();
      await screenshot(page, name, "20-login-dark-desktop");
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill("alice-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${app.url}/2fa`);
      await check();
      await page.getByRole("button", { name: "Send code" }).click();
      await expect.poll(() => seen(page.locator("main"))).toContain("We sent a code");
      await check();
      await screenshot(page, name, "21-code-sent-dark-desktop");
      await page.getByLabel("Verification code").fill("000000");
      await page.getByRole("button", { name: "Verify" }).click();
      await expect.poll(() => seen(page.locator("main"))).toContain("attempts left");
      await check();

      // A form posted with a forged token: the flow's 403 page (the DOM is built by the test, not the page).
      await page.evaluate(`(() => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = "/2fa/verify";
        for (const [name, value] of [["_csrf", "forged-token-forged-token"], ["code", "123456"]]) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      })()`);
      await expect.poll(() => page.locator("h1, h2").allInnerTexts()).toContain("This form has expired");
      await check();
      await screenshot(page, name, "22-csrf-problem-dark-desktop");
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize(PHONE);

      expect(violations).toEqual([]);
      expect(browser.cspViolations).toEqual([]);
    });
  });
}
