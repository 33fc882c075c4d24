/**
 * The long run of (3): one verified session hammering the guarded route for `longRequests`
 * requests while the runner samples the server's RSS from `/proc`. Growth is judged between the
 * first and the last quarter of the run (after a warm-up that is not counted).
 */
import { ACCOUNT_PATH } from "../apps/types.js";
import type { LoadRun, LoadSummary } from "../http/load-main.js";
import { startServer } from "../http/servers.js";
import type { ChildHandle } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { Framework } from "../lib/options.js";
import { residentMemory } from "../lib/proc.js";

/** How often RSS is sampled, in ms. */
const SAMPLE_EVERY_MS = 200;

/**
 * What the long run of one framework saw.
 * @example
 * const growth = result.lastQuarterPeak / result.firstQuarterPeak - 1;
 */
export interface LongRunResult {
  readonly framework: Framework;
  readonly requests: number;
  readonly seconds: number;
  readonly samples: number;
  /** Highest RSS sampled in the first and the last quarter of the run, in bytes. */
  readonly firstQuarterPeak: number;
  readonly lastQuarterPeak: number;
  /** RSS right after the warm-up, and the process's peak RSS (`VmHWM`) at the end. */
  readonly rssAfterWarmup: number;
  readonly peakRss: number;
  /** Heap in use at the end, after the run. */
  readonly heapUsedAtEnd: number;
  /** Every answer had the expected status. */
  readonly allOk: boolean;
}

/**
 * Runs the long run of (3) for `framework`.
 * @example
 * const result = await runLongRun(env, load, "express");
 */
export async function runLongRun(
  env: BenchEnv,
  load: ChildHandle,
  framework: Framework,
): Promise<LongRunResult> {
  const server = await startServer(env, framework, "app", ["verified"]);
  try {
    const run = (size: { duration?: number; amount?: number }): LoadRun => ({
      url: `${server.url}${ACCOUNT_PATH}`,
      method: "GET",
      headers: { accept: "text/html", cookie: server.cookies.verified ?? "" },
      connections: env.options.connections,
      ...size,
    });
    await load.request<LoadSummary>("run", run({ duration: Math.max(2, env.options.warmupSeconds) }));
    const rssAfterWarmup = residentMemory(server.child.pid)?.rss ?? Number.NaN;
    env.log(`${framework}: long run of ${env.options.longRequests} requests on (3)`);
    const samples: { at: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      const memory = residentMemory(server.child.pid);
      if (memory !== undefined) samples.push({ at: Date.now() - started, rss: memory.rss });
    }, SAMPLE_EVERY_MS);
    let summary: LoadSummary;
    try {
      summary = await load.request<LoadSummary>("run", run({ amount: env.options.longRequests }));
    } finally {
      clearInterval(sampler);
    }
    const elapsed = Date.now() - started;
    const peakIn = (from: number, to: number): number =>
      Math.max(
        ...samples.filter((sample) => sample.at >= from && sample.at < to).map((sample) => sample.rss),
      );
    const memory = await server.child.request<NodeJS.MemoryUsage>("memory");
    return {
      framework,
      requests: summary.requests,
      seconds: summary.seconds,
      samples: samples.length,
      firstQuarterPeak: peakIn(0, elapsed / 4),
      lastQuarterPeak: peakIn((elapsed * 3) / 4, Number.POSITIVE_INFINITY),
      rssAfterWarmup,
      peakRss: residentMemory(server.child.pid)?.peak ?? Number.NaN,
      heapUsedAtEnd: memory.heapUsed,
      allOk: summary.errors === 0 && Object.keys(summary.statuses).every((status) => status === "200"),
    };
  } finally {
    await server.child.stop();
  }
}
