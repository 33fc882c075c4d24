/**
 * Starts an example app in-process on 127.0.0.1 with its embedded Verify emulator, and reads forms
 * out of its pages the way a browser would.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import session from "express-session";
import supertest from "supertest";
import { createApp as createExpressApp } from "../../examples/express/app.js";
import { createApp as createKoaApp } from "../../examples/koa/app.js";
import type { Env } from "../../examples/shared/config.js";
import { type PreparedExample, prepareExample } from "../../examples/shared/setup.js";
import type { KoaSessionStore } from "../../examples/shared/storage.js";
import type { VerifyEmulator } from "../../testing/index.js";

/** The two example apps. */
export type ExampleName = "express" | "koa";
export const EXAMPLES: readonly ExampleName[] = ["express", "koa"];

/** alice's and carol's phones (DESIGN §7). */
export const ALICE_PHONE = "+15017122661";

/** A session store whose every call fails while `failing` is true. */
export interface FailSwitch {
  failing: boolean;
}

/** A running example app. */
export interface RunningApp {
  readonly url: string;
  readonly prepared: PreparedExample;
  readonly emulator: VerifyEmulator;
  /** Moves the app's clock forward (step-up windows, resend waits). */
  advance(ms: number): void;
  /** A new browser-like client with its own cookie jar. */
  client(): supertest.Agent;
  /** Errors the app reported as unexpected (must stay empty). */
  readonly unexpected: unknown[];
  close(): Promise<void>;
}

/** A clean environment: no Twilio variables from the shell can leak into a test. */
export const BASE_ENV: Env = { SESSION_SECRET: "example-tests-session-secret-0123456789" };

/**
 * Starts one example with the embedded emulator (or `emulator`, when `env` points the app at it) and an
 * app clock the test moves. `store` makes its session store fail on demand.
 */
export async function startApp(
  name: ExampleName,
  options: { env?: Env; store?: FailSwitch; emulator?: VerifyEmulator } = {},
): Promise<RunningApp> {
  let offset = 0;
  const unexpected: unknown[] = [];
  const prepared = await prepareExample(
    { ...BASE_ENV, ...options.env },
    { defaultPort: 0, now: () => Date.now() + offset, logError: (error) => unexpected.push(error) },
  );
  // The embedded emulator, or the one the test started and named in TWILIO_VERIFY_EMULATOR_URL.
  const emulator = options.emulator ?? prepared.verify.emulator;
  if (emulator === undefined) throw new Error("the tests read codes from an emulator: pass the one in use");
  const listener: RequestListener =
    name === "express"
      ? createExpressApp(
          prepared.setup,
          options.store ? { sessionStore: failingExpressStore(options.store) } : {},
        )
      : createKoaApp(
          prepared.setup,
          options.store ? { sessionStore: failingKoaStore(options.store) } : {},
        ).callback();
  const server = createServer(listener);
  const url = await listen(server);
  return {
    url,
    prepared,
    emulator,
    unexpected,
    advance: (ms) => {
      offset += ms;
    },
    client: () => supertest.agent(url),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await prepared.close();
    },
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function failingExpressStore(fail: FailSwitch): session.Store {
  const memory = new session.MemoryStore();
  const down = () => new Error("session store is down (test)");
  const get = memory.get.bind(memory);
  const set = memory.set.bind(memory);
  const destroy = memory.destroy.bind(memory);
  memory.get = (sid, callback) => (fail.failing ? setImmediate(callback, down()) : get(sid, callback));
  memory.set = (sid, data, callback) =>
    fail.failing ? setImmediate(() => callback?.(down())) : set(sid, data, callback);
  memory.destroy = (sid, callback) =>
    fail.failing ? setImmediate(() => callback?.(down())) : destroy(sid, callback);
  return memory;
}

function failingKoaStore(fail: FailSwitch): KoaSessionStore {
  const data = new Map<string, string>();
  const check = () => {
    if (fail.failing) throw new Error("session store is down (test)");
  };
  return {
    async get(key) {
      check();
      const json = data.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as unknown);
    },
    async set(key, value) {
      check();
      data.set(key, JSON.stringify(value));
    },
    async destroy(key) {
      check();
      data.delete(key);
    },
  };
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The opening tags of every `<form>` in `html`, with their content. */
export function forms(html: string): { action: string; body: string }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((match) => ({
    action: unescapeHtml(/\baction="([^"]*)"/.exec(match[1] ?? "")?.[1] ?? ""),
    body: match[2] ?? "",
  }));
}

/** The value of the hidden input `name` inside the first form whose action ends with `actionSuffix`. */
export function hiddenField(html: string, actionSuffix: string, name: string): string | undefined {
  const form = forms(html).find((candidate) => candidate.action.endsWith(actionSuffix));
  if (form === undefined) return undefined;
  for (const input of form.body.matchAll(/<input\b[^>]*>/g)) {
    const tag = input[0];
    if (!/\btype="hidden"/.test(tag) || !new RegExp(`\\bname="${name}"`).test(tag)) continue;
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    return value === undefined ? undefined : unescapeHtml(value);
  }
  return undefined;
}

/** The `_csrf` of the form posting to `actionSuffix`; fails the test when there is none. */
export function csrfOf(html: string, actionSuffix: string): string {
  const token = hiddenField(html, actionSuffix, "_csrf");
  if (token === undefined || token.length < 16)
    throw new Error(`no _csrf in a form posting to ${actionSuffix}`);
  return token;
}

/** Signs in through the real form; returns the response of `POST /login`. */
export async function signIn(
  client: supertest.Agent,
  username: string,
  password: string,
  returnTo?: string,
): Promise<supertest.Response> {
  const page = await client.get(
    returnTo === undefined ? "/login" : `/login?returnTo=${encodeURIComponent(returnTo)}`,
  );
  const fields: Record<string, string> = { _csrf: csrfOf(page.text, "/login"), username, password };
  fields.returnTo = hiddenField(page.text, "/login", "returnTo") ?? "";
  return client.post("/login").type("form").send(fields);
}

/** Sends a code by `channel` from the challenge page, as its form would. */
export async function sendCode(
  client: supertest.Agent,
  channel: "sms" | "call",
): Promise<supertest.Response> {
  const page = await client.get("/2fa");
  return client
    .post("/2fa/send")
    .type("form")
    .send({ _csrf: csrfOf(page.text, "/2fa/send"), channel });
}

/** Submits a code on the challenge page, as its form would. */
export async function submitCode(client: supertest.Agent, code: string): Promise<supertest.Response> {
  const page = await client.get("/2fa");
  return client
    .post("/2fa/verify")
    .type("form")
    .send({ _csrf: csrfOf(page.text, "/2fa/verify"), code });
}

/** Signs in as alice and passes the second factor by SMS with the code from the emulator. */
export async function signInVerified(app: RunningApp, client: supertest.Agent): Promise<void> {
  const login = await signIn(client, "alice", "alice-password");
  if (login.status !== 303) throw new Error(`sign-in answered ${login.status}`);
  await client.get("/account");
  const sent = await sendCode(client, "sms");
  if (sent.status !== 303) throw new Error(`send answered ${sent.status}`);
  const code = app.emulator.lastCode(ALICE_PHONE);
  if (code === undefined) throw new Error("no code in the emulator's inbox");
  const verified = await submitCode(client, code);
  if (verified.status !== 303) throw new Error(`verify answered ${verified.status}`);
}

/** bob's id and the phone he enrols in the tests. */
export const BOB_ID = "usr_1003";
export const BOB_NEW_PHONE = "+14155550123";

/**
 * GETs `path` and follows same-origin redirects (at most 5) the way a browser would; returns the final
 * path and response.
 */
export async function follow(
  client: supertest.Agent,
  path: string,
): Promise<{ path: string; response: supertest.Response }> {
  let current = path;
  for (let hops = 0; hops < 5; hops += 1) {
    const response = await client.get(current);
    if (response.status < 300 || response.status >= 400) return { path: current, response };
    const location = response.headers.location;
    if (typeof location !== "string" || !location.startsWith("/")) {
      throw new Error(`GET ${current} redirected to ${String(location)}`);
    }
    current = location;
  }
  throw new Error(`more than 5 redirects from ${path}`);
}

/**
 * On the settings page, asks for a code to `phone` by `channel` (`POST /2fa/setup/phone`), as its
 * form would; returns that answer.
 */
export async function requestEnrolmentCode(
  client: supertest.Agent,
  phone: string,
  channel: "sms" | "call" = "sms",
): Promise<supertest.Response> {
  const settings = await client.get("/2fa/setup");
  if (settings.status !== 200) throw new Error(`GET /2fa/setup answered ${settings.status}`);
  return client
    .post("/2fa/setup/phone")
    .type("form")
    .send({ _csrf: csrfOf(settings.text, "/2fa/setup/phone"), phone, channel });
}

/** Types `code` on the enrolment code page (`POST /2fa/setup/phone/verify`), as its form would. */
export async function submitEnrolmentCode(
  client: supertest.Agent,
  code: string,
): Promise<supertest.Response> {
  const page = await client.get("/2fa/setup/phone");
  if (page.status !== 200) throw new Error(`GET /2fa/setup/phone answered ${page.status}`);
  return client
    .post("/2fa/setup/phone/verify")
    .type("form")
    .send({ _csrf: csrfOf(page.text, "/2fa/setup/phone/verify"), code });
}

/**
 * Signs bob in, follows /account to the settings page, and enrols `phone` by SMS with the code from
 * the emulator; returns the answer to the code.
 */
export async function enrolBob(
  app: RunningApp,
  client: supertest.Agent,
  phone: string = BOB_NEW_PHONE,
): Promise<supertest.Response> {
  const login = await signIn(client, "bob", "bob-password", "/account");
  if (login.status !== 303) throw new Error(`sign-in answered ${login.status}`);
  const landed = await follow(client, "/account");
  if (landed.path !== "/2fa/setup") throw new Error(`bob landed on ${landed.path}, not /2fa/setup`);
  const sent = await requestEnrolmentCode(client, phone);
  if (sent.status !== 303) throw new Error(`POST /2fa/setup/phone answered ${sent.status}`);
  const code = app.emulator.lastCode(phone);
  if (code === undefined) throw new Error(`no code for ${phone} in the emulator's inbox`);
  return submitEnrolmentCode(client, code);
}
