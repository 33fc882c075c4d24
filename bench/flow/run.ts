/**
 * The flow bench: complete challenges per second against the emulator, `flowConcurrency` users at
 * a time for `flowSeconds`, each user new (its own number), and the latency each step adds.
 */
import { startServer } from "../http/servers.js";
import type { BenchEnv } from "../lib/env.js";
import type { Framework } from "../lib/options.js";
import { quantile } from "../lib/stats.js";
import { FLOW_STEPS, type FlowStep, walkChallenge } from "./walk.js";

/**
 * The flow bench's result for one framework.
 * @example
 * console.log(result.challengesPerSecond, result.steps["send (Verify call)"].p50);
 */
export interface FlowResult {
  readonly framework: Framework;
  readonly challenges: number;
  readonly seconds: number;
  readonly challengesPerSecond: number;
  /** Server CPU time per complete challenge, in ms. */
  readonly serverCpuMsPerChallenge: number;
  /** Latency of each step (ms): median and 99th percentile. */
  readonly steps: Readonly<Record<FlowStep, { readonly p50: number; readonly p99: number }>>;
  /** A whole challenge, all steps (ms). */
  readonly total: { readonly p50: number; readonly p99: number };
}

/**
 * Runs the flow bench for `framework`.
 * @example
 * const result = await runFlowBench(env, "koa");
 */
export async function runFlowBench(env: BenchEnv, framework: Framework): Promise<FlowResult> {
  const server = await startServer(env, framework, "app", []);
  try {
    // A few challenges first, so that the timed ones do not pay for JIT warm-up.
    for (let index = 0; index < 20; index++) await walkChallenge(server.url, env.emulator, env.nextUser());
    env.log(
      `${framework}: flow bench, ${env.options.flowConcurrency} users at a time for ${env.options.flowSeconds}s`,
    );
    const latencies = Object.fromEntries(FLOW_STEPS.map((step) => [step, [] as number[]])) as Record<
      FlowStep,
      number[]
    >;
    const totals: number[] = [];
    const cpuBefore = await server.child.request<NodeJS.CpuUsage>("cpu");
    const started = process.hrtime.bigint();
    const deadline = Date.now() + env.options.flowSeconds * 1000;
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const steps = await walkChallenge(server.url, env.emulator, env.nextUser());
        let total = 0;
        for (const step of FLOW_STEPS) {
          latencies[step].push(steps[step]);
          total += steps[step];
        }
        totals.push(total);
      }
    };
    await Promise.all(Array.from({ length: env.options.flowConcurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = await server.child.request<NodeJS.CpuUsage>("cpu");
    const cpuMs = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000;
    const spread = (values: readonly number[]) => ({
      p50: quantile(values, 0.5),
      p99: quantile(values, 0.99),
    });
    return {
      framework,
      challenges: totals.length,
      seconds,
      challengesPerSecond: totals.length / seconds,
      serverCpuMsPerChallenge: cpuMs / totals.length,
      steps: Object.fromEntries(
        FLOW_STEPS.map((step) => [step, spread(latencies[step])]),
      ) as FlowResult["steps"],
      total: spread(totals),
    };
  } finally {
    await server.child.stop();
  }
}
