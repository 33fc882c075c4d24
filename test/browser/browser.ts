/**
 * Chromium for the browser suite: Debian's `/usr/bin/chromium` (CI installs the `chromium` package),
 * driven by playwright-core with a fresh profile, plus axe-core and screenshots.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleName, type RunningApp, startApp } from "../examples/helpers.js";

const require = createRequire(import.meta.url);

/** Where Chromium is; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether this run is CI (`CI` set and not "false"/"0"): there, a missing Chromium fails the suite. */
export const IN_CI =
  process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase());

/** Whether Chromium is installed where the suite looks for it. */
export const CHROMIUM_INSTALLED = existsSync(CHROMIUM_PATH);

/** The phone and desktop viewports of the screenshots. */
export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** The screenshots folder at the repository's root (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL("../../screenshots", import.meta.url));

/** A browser with a fresh profile in a temporary folder, removed at close. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** Console messages about Content-Security-Policy violations, from every page. */
  readonly cspViolations: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Chromium headless with a fresh user data dir, and no network beyond what the pages ask for
 * (the suite only serves 127.0.0.1).
 * @example
 * const browser = await launchBrowser();
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "sf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: PHONE,
  });
  const cspViolations: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text()))
        cspViolations.push(`${page.url()}: ${message.text()}`);
    });
  };
  context.on("page", watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    cspViolations,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

let axeSource: string | undefined;

/** An axe-core violation, as much as the suite reports. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core in the page (injected with `page.evaluate`, which the pages' CSP does not block, so
 * the pages are tested under their real policy) and returns the serious and critical violations.
 * @example
 * expect(await seriousViolations(page)).toEqual([]);
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === "object");
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations;
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${page.url()} ${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .map(
            (node) => `${JSON.stringify(node.target)} (${node.failureSummary?.replace(/\s+/g, " ") ?? ""})`,
          )
          .join(", ")}`,
    );
}

/**
 * Saves a full-page screenshot as `screenshots/<folder>/<name>.png`, at the page's current viewport.
 * @example
 * await screenshot(page, "express", "03-challenge-phone");
 */
export async function screenshot(page: Page, folder: string, name: string): Promise<void> {
  await mkdir(join(SCREENSHOTS, folder), { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, folder, `${name}.png`), fullPage: true });
}

/** Screenshots of the page at the phone viewport, then the desktop one, then back to the phone. */
export async function screenshotBoth(page: Page, folder: string, name: string): Promise<void> {
  await screenshot(page, folder, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
  await screenshot(page, folder, `${name}-desktop`);
  await page.setViewportSize(PHONE);
}

/** The text of `locator` as it is rendered, i.e. as a person reads it (hidden text left out). */
export function seen(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText is the rendered text a person reads, which is the point here.
  return locator.innerText();
}

/** Reads the newest code sent to `phone` from the emulator's inbox page, from its text as a person would. */
export async function codeFromInbox(inbox: Page, inboxUrl: string, phone: string): Promise<string> {
  await inbox.goto(inboxUrl);
  const newest = inbox.locator("main li", { hasText: phone }).first();
  const text = await seen(newest);
  const code = /verification code is:\s*(\d{4,10})/.exec(text)?.[1];
  if (code === undefined) throw new Error(`no code in the inbox text: ${text}`);
  return code;
}

/**
 * Signs in on the example app's login page as a person would (the labelled fields, the button), as
 * `username` with the demo password, going to `returnTo` afterwards.
 * @example
 * await signIn(page, app.url, "alice");
 */
export async function signIn(
  page: Page,
  url: string,
  username: string,
  returnTo = "/account",
): Promise<void> {
  await page.goto(`${url}/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`${username}-password`);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * A browser suite: one Chromium for `body`'s tests, launched before and closed after them. Without
 * Chromium the suite says so in one test, which fails under CI (a missing browser never passes).
 * @example
 * describeInChromium("recovery codes", (browser) => { const example = openExample(browser, "express"); ... });
 */
export function describeInChromium(title: string, body: (browser: () => TestBrowser) => void): void {
  describe(title, () => {
    if (!CHROMIUM_INSTALLED) {
      it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
        expect(IN_CI, `Chromium is missing at ${CHROMIUM_PATH} and CI is set`).toBe(false);
      });
      return;
    }
    let browser: TestBrowser | undefined;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });
    body(() => {
      if (browser === undefined) throw new Error("the browser is not launched yet");
      return browser;
    });
  });
}

/** An example app running for a browser suite, its page and a second page for the emulator's inbox. */
export interface ExampleInBrowser {
  app: RunningApp;
  page: Page;
  inbox: Page;
}

/**
 * Starts the example app `name` before the enclosing suite's tests (with no cookies left from an
 * earlier suite, its page in front) and stops it after them. The fields are set once they have run.
 * @example
 * const example = openExample(browser, name);
 * it("...", async () => { await example.page.goto(example.app.url); });
 */
export function openExample(browser: () => TestBrowser, name: ExampleName): ExampleInBrowser {
  const example = {} as ExampleInBrowser;
  beforeAll(async () => {
    example.app = await startApp(name);
    await browser().context.clearCookies();
    example.page = await browser().newPage();
    example.inbox = await browser().newPage();
    await example.page.bringToFront();
  });
  afterAll(async () => {
    await example.page?.close();
    await example.inbox?.close();
    await example.app?.close();
  });
  return example;
}
