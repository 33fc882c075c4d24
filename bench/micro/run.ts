/** Runs the micro-benchmark in its own process (`--expose-gc`, pinned to the server core). */
import { startChild } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { MicroConfig, MicroResult } from "./guard-main.js";

/**
 * The micro-benchmark's rows (both frameworks, small and large sessions) and its calibration.
 * @example
 * const { rows } = await runMicroBench(env);
 */
export async function runMicroBench(env: BenchEnv): Promise<MicroResult> {
  const child = startChild({
    script: env.script("micro/guard-main.js"),
    config: {},
    core: env.plan.serverCore,
    plan: env.plan,
    nodeFlags: env.profileFlags,
  });
  try {
    const config: MicroConfig = { calls: env.options.microCalls, frameworks: env.options.frameworks };
    env.log(`micro: ${config.calls} calls per batch, 5 batches per subject`);
    return await child.request<MicroResult>("run", config);
  } finally {
    await child.stop();
  }
}
