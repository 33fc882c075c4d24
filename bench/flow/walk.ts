/**
 * One user's complete challenge, as a browser walks it (HTML forms, each redirect its own step):
 * login, the guard's redirect, the challenge page, send, the page with the code field, check, and
 * the protected page. Each step is timed.
 */
import type { VerifyEmulator } from "../../testing/index.js";
import { HANDLER_PREFIX } from "../apps/types.js";
import { userFor } from "../apps/users.js";
import { expectStatus, type HttpAnswer, HttpClient } from "../lib/http-client.js";

/** The steps of a challenge, in order. */
export const FLOW_STEPS = [
  "login",
  "guard redirect",
  "challenge page",
  "send (Verify call)",
  "code page",
  "check (Verify call)",
  "protected page",
] as const;

/** One step of {@link FLOW_STEPS}. */
export type FlowStep = (typeof FLOW_STEPS)[number];

const HTML = { accept: "text/html" };
const CSRF_FIELD = /name="_csrf" value="([^"]+)"/;

function csrfOf(answer: HttpAnswer): string {
  const token = CSRF_FIELD.exec(answer.text)?.[1];
  if (token === undefined) throw new Error("the challenge page has no _csrf field");
  return token;
}

function expectLocation(step: string, answer: HttpAnswer, location: string): void {
  if (answer.headers.location !== location) {
    throw new Error(`${step}: expected a redirect to ${location}, got ${String(answer.headers.location)}`);
  }
}

/**
 * Walks one complete challenge for user `u<n>` against `url`; returns each step's latency in ms.
 * @throws Error naming the step whose answer was not what a browser would get.
 * @example
 * const latencies = await walkChallenge(url, emulator, 1001);
 */
export async function walkChallenge(
  url: string,
  emulator: VerifyEmulator,
  n: number,
): Promise<Record<FlowStep, number>> {
  const user = userFor(`u${n}`);
  if (user?.phone === undefined) throw new Error(`no bench user u${n}`);
  const client = new HttpClient(url);
  try {
    const login = expectStatus(
      "login",
      await client.send({ method: "POST", path: "/login", form: { user: user.id } }),
      303,
    );
    const guard = expectStatus(
      "guard",
      await client.send({ method: "GET", path: "/account", headers: HTML }),
      302,
    );
    expectLocation("guard", guard, "/2fa");
    const page = expectStatus("page", await client.send({ method: "GET", path: "/2fa", headers: HTML }), 200);
    const csrf = csrfOf(page);
    const send = expectStatus(
      "send",
      await client.send({
        method: "POST",
        path: "/2fa/send",
        headers: HTML,
        form: { _csrf: csrf, channel: "sms" },
      }),
      303,
    );
    const codePage = expectStatus(
      "code page",
      await client.send({ method: "GET", path: "/2fa", headers: HTML }),
      200,
    );
    const code = emulator.lastCode(user.phone);
    if (code === undefined) throw new Error(`the emulator delivered no code to ${user.id}`);
    const check = expectStatus(
      "check",
      await client.send({
        method: "POST",
        path: "/2fa/verify",
        headers: HTML,
        form: { _csrf: csrfOf(codePage), code },
      }),
      303,
    );
    expectLocation("check", check, "/account");
    const done = expectStatus(
      "protected page",
      await client.send({ method: "GET", path: "/account", headers: HTML }),
      200,
    );
    if (done.text !== `${HANDLER_PREFIX}${user.id}`)
      throw new Error(`protected page: unexpected body ${done.text}`);
    return {
      login: login.ms,
      "guard redirect": guard.ms,
      "challenge page": page.ms,
      "send (Verify call)": send.ms,
      "code page": codePage.ms,
      "check (Verify call)": check.ms,
      "protected page": done.ms,
    };
  } finally {
    client.close();
  }
}
