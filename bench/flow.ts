/**
 * Complete challenges per second against the emulator: `flowConcurrency` users at a time for
 * `flowSeconds`, each a new account with its own number, walking the challenge as a browser does
 * (HTML forms, each redirect its own step); each step is timed.
 */
import type { VerifyEmulator } from "../testing/index.js";
import { HANDLER_PREFIX, userFor } from "./apps/common.js";
import { startServer } from "./http/servers.js";
import type { BenchEnv } from "./lib/env.js";
import { expectStatus, type HttpAnswer, HttpClient } from "./lib/http-client.js";
import { quantile } from "./lib/stats.js";
import type { Framework } from "./options.js";

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

type Step = (typeof FLOW_STEPS)[number];
type Latency = { readonly p50: number; readonly p99: number };

/** The flow bench of one framework. */
export interface FlowResult {
  readonly framework: Framework;
  readonly challenges: number;
  readonly seconds: number;
  readonly challengesPerSecond: number;
  /** Server CPU time per complete challenge, in ms. */
  readonly serverCpuMsPerChallenge: number;
  /** Latency of each step and of a whole challenge (ms). */
  readonly steps: Readonly<Record<Step, Latency>>;
  readonly total: Latency;
}

const HTML = { accept: "text/html" };

function csrfOf(answer: HttpAnswer): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
  if (token === undefined) throw new Error("the challenge page has no _csrf field");
  return token;
}

/** Walks one challenge for user `u<n>`; returns each step's latency in ms. */
async function walkChallenge(url: string, emulator: VerifyEmulator, n: number): Promise<number[]> {
  const user = userFor(`u${n}`);
  if (user?.phone === undefined) throw new Error(`no bench user u${n}`);
  const client = new HttpClient(url);
  const step = async (
    name: string,
    send: Parameters<HttpClient["send"]>[0],
    status: number,
    location?: string,
  ) => {
    const answer = expectStatus(name, await client.send({ headers: HTML, ...send }), status);
    if (location !== undefined && answer.headers.location !== location)
      throw new Error(`${name}: expected a redirect to ${location}, got ${String(answer.headers.location)}`);
    return answer;
  };
  try {
    const login = await step("login", { method: "POST", path: "/login", form: { user: user.id } }, 303);
    const guard = await step("guard", { method: "GET", path: "/account" }, 302, "/2fa");
    const page = await step("page", { method: "GET", path: "/2fa" }, 200);
    const form = { _csrf: csrfOf(page), channel: "sms" };
    const send = await step("send", { method: "POST", path: "/2fa/send", form }, 303);
    const codePage = await step("code page", { method: "GET", path: "/2fa" }, 200);
    const code = emulator.lastCode(user.phone);
    if (code === undefined) throw new Error(`the emulator delivered no code to ${user.id}`);
    const verify = { method: "POST", path: "/2fa/verify", form: { _csrf: csrfOf(codePage), code } };
    const check = await step("check", verify, 303, "/account");
    const done = await step("protected page", { method: "GET", path: "/account" }, 200);
    if (done.text !== `${HANDLER_PREFIX}${user.id}`)
      throw new Error(`protected page: unexpected body ${done.text}`);
    return [login, guard, page, send, codePage, check, done].map((answer) => answer.ms);
  } finally {
    client.close();
  }
}

/** Runs the flow bench for `framework`. */
export async function runFlowBench(env: BenchEnv, framework: Framework): Promise<FlowResult> {
  const { flowConcurrency, flowSeconds } = env.options;
  const server = await startServer(env, framework);
  try {
    // A few challenges first, so that the timed ones do not pay for JIT warm-up.
    for (let index = 0; index < 20; index++) await walkChallenge(server.url, env.emulator, env.nextUser());
    env.log(`${framework}: flow bench, ${flowConcurrency} users at a time for ${flowSeconds}s`);
    const walks: number[][] = [];
    const cpuBefore = await server.child.request<NodeJS.CpuUsage>("cpu");
    const started = process.hrtime.bigint();
    const deadline = Date.now() + flowSeconds * 1000;
    const worker = async () => {
      while (Date.now() < deadline) walks.push(await walkChallenge(server.url, env.emulator, env.nextUser()));
    };
    await Promise.all(Array.from({ length: flowConcurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = await server.child.request<NodeJS.CpuUsage>("cpu");
    const cpuMs = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000;
    const latency = (values: number[]): Latency => ({
      p50: quantile(values, 0.5),
      p99: quantile(values, 0.99),
    });
    return {
      framework,
      challenges: walks.length,
      seconds,
      challengesPerSecond: walks.length / seconds,
      serverCpuMsPerChallenge: cpuMs / walks.length,
      steps: Object.fromEntries(
        FLOW_STEPS.map((name, index) => [name, latency(walks.map((walk) => walk[index] as number))]),
      ) as FlowResult["steps"],
      total: latency(walks.map((walk) => walk.reduce((sum, ms) => sum + ms, 0))),
    };
  } finally {
    await server.child.stop();
  }
}
