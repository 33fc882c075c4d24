/**
 * The behaviour suite's harness: test apps on the real core and adapters, the real `twilio` SDK
 * (`twilioVerify` with `emulatorUrl`) against the Verify emulator, an app clock the test moves, every
 * event and log line captured, and a browser-like client that walks the challenge flow.
 */
import type { Request } from "express";
import type { Context } from "koa";
import type supertest from "supertest";
import { secondFactor as expressSecondFactor } from "../../adapters/express/index.js";
import { secondFactor as koaSecondFactor } from "../../adapters/koa/index.js";
import type { SecondFactorEvent } from "../../src/events.js";
import type { SecondFactorOptions } from "../../src/options/index.js";
import type { VerificationProvider } from "../../src/providers/index.js";
import { twilioVerify } from "../../src/twilio.js";
import type { VerifyEmulator } from "../../testing/index.js";
import { type AppOptions, type Framework, startApp, type TestApp } from "../helpers/apps/index.js";

export { sessionCookiesOf } from "../helpers/apps/index.js";

/** A test secret for budgets and markers (32 bytes or more). */
const SECRET = "behaviour-suite-secret-behaviour-suite-secret";

/** How long a provider call may take in the suite before it counts as an outage. */
export const PROVIDER_TIMEOUT_MS = 1000;

/** The app clock the core reads (`now` option); it starts at a fixed time and moves only when told. */
export interface AppClock {
  now: number;
  advance(ms: number): void;
}

/** Options of the core that a scenario may set (the adapter's `user` comes from the test app). */
export type ScenarioOptions = Partial<Omit<SecondFactorOptions<unknown>, "user">>;

/** A test app on the real core, with what it reported. */
export interface FlowApp extends TestApp {
  readonly clock: AppClock;
  readonly events: SecondFactorEvent[];
  /** Every log line, as `level: message {details}`. */
  readonly logs: string[];
}

/** The Twilio Verify provider on the real SDK, talking to the emulator. */
export function emulatorProvider(emu: VerifyEmulator): VerificationProvider {
  return twilioVerify({
    accountSid: emu.accountSid,
    authToken: "0123456789abcdef0123456789abcdef",
    serviceSid: emu.defaultServiceSid,
    emulatorUrl: emu.url,
    timeoutMs: PROVIDER_TIMEOUT_MS,
  });
}

/** Starts a test app for `framework` on the real core, with the emulator as provider unless told otherwise. */
export async function startFlowApp(
  framework: Framework,
  emu: VerifyEmulator,
  settings: Omit<AppOptions, "framework" | "mfa"> & { options?: ScenarioOptions } = {},
): Promise<FlowApp> {
  const clock: AppClock = {
    now: Date.UTC(2030, 0, 1),
    advance(ms) {
      clock.now += ms;
    },
  };
  const events: SecondFactorEvent[] = [];
  const logs: string[] = [];
  const line =
    (level: string) =>
    (message: string, details?: Readonly<Record<string, unknown>>): void => {
      logs.push(`${level}: ${message} ${details === undefined ? "" : JSON.stringify(details)}`);
    };
  const { options: scenario, ...appSettings } = settings;
  const shared = {
    provider: emulatorProvider(emu),
    secret: SECRET,
    now: () => clock.now,
    onEvent: (event: SecondFactorEvent) => {
      events.push(event);
    },
    logger: { warn: line("warn"), error: line("error"), info: line("info") },
    ...scenario,
  };
  const app = await startApp({
    framework,
    ...appSettings,
    mfa: {
      express: (user) => expressSecondFactor({ ...shared, user } as SecondFactorOptions<Request>),
      koa: (user) => koaSecondFactor({ ...shared, user } as SecondFactorOptions<Context>),
    },
  });
  return Object.assign(app, { clock, events, logs });
}

/** The value of the first hidden `_csrf` input of a page. */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined) throw new Error(`no _csrf input in the page:\n${html.slice(0, 500)}`);
  return token;
}

/** A code that is not `code` (same length), for wrong guesses. */
export function wrongCode(code: string, salt = 1): string {
  const digits = [...code].map((digit, index) => String((Number(digit) + salt + index) % 10));
  const wrong = digits.join("");
  return wrong === code ? wrongCode(code, salt + 1) : wrong;
}

/** A browser: one cookie jar, optionally one client IP (sent as `X-Forwarded-For`). */
export class Browser {
  readonly agent: supertest.Agent;

  constructor(
    readonly app: TestApp,
    readonly ip?: string,
  ) {
    this.agent = app.client();
  }

  get(path: string, accept = "text/html"): supertest.Test {
    return this.withIp(this.agent.get(path).set("Accept", accept));
  }

  head(path: string): supertest.Test {
    return this.withIp(this.agent.head(path).set("Accept", "text/html"));
  }

  /** A form post, as a browser sends it. */
  post(path: string, fields: Record<string, string> = {}): supertest.Test {
    return this.withIp(this.agent.post(path).set("Accept", "text/html").type("form").send(fields));
  }

  /** A JSON request, as an SPA sends it. */
  json(method: "get" | "post" | "put" | "delete", path: string, body?: unknown): supertest.Test {
    const request = this.withIp(this.agent[method](path).set("Accept", "application/json"));
    return body === undefined ? request : request.send(body as object);
  }

  async login(user: string): Promise<supertest.Response> {
    const response = await this.withIp(this.agent.post("/login").send({ user }));
    if (response.status !== 200) throw new Error(`login as ${user} failed: ${response.status}`);
    return response;
  }

  /** The challenge page's CSRF token. */
  async csrf(): Promise<string> {
    const page = await this.get("/2fa");
    if (page.status !== 200) throw new Error(`GET /2fa answered ${page.status}`);
    return csrfOf(page.text);
  }

  /** Sends a code by `channel` through the form; returns the response (303 to the challenge on success). */
  async send(channel = "sms"): Promise<supertest.Response> {
    return this.post("/2fa/send", { channel, _csrf: await this.csrf() });
  }

  /** Posts a code through the form. */
  async verify(code: string): Promise<supertest.Response> {
    return this.post("/2fa/verify", { code, _csrf: await this.csrf() });
  }

  private withIp(request: supertest.Test): supertest.Test {
    return this.ip === undefined ? request : request.set("X-Forwarded-For", this.ip);
  }
}
