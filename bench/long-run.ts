/**
 * RSS over a long run of (3): one verified session on the guarded route for `longRequests` requests
 * (after a warm-up not counted) while the runner samples the server's RSS from `/proc` every 200 ms.
 * Growth is the peak of the last quarter over the peak of the first.
 */
import { ACCOUNT_PATH } from "./apps/common.js";
import type { LoadRun, LoadSummary } from "./http/load-main.js";
import { startServer } from "./http/servers.js";
import type { BenchEnv } from "./lib/env.js";
import { residentMemory } from "./lib/machine.js";
import type { ChildHandle } from "./lib/processes.js";
import type { Framework } from "./options.js";

/** What the long run of one framework saw (bytes). */
export interface LongRunResult {
  readonly framework: Framework;
  readonly requests: number;
  readonly seconds: number;
  readonly rssAfterWarmup: number;
  readonly firstQuarterPeak: number;
  readonly lastQuarterPeak: number;
  /** `VmHWM` at the end. */
  readonly peakRss: number;
  /** Every answer was a 200. */
  readonly allOk: boolean;
}

/** Runs the long run of (3) for `framework`. */
export async function runLongRun(
  env: BenchEnv,
  load: ChildHandle,
  framework: Framework,
): Promise<LongRunResult> {
  const server = await startServer(env, framework);
  try {
    const run = (size: { duration: number } | { amount: number }): LoadRun => ({
      url: `${server.url}${ACCOUNT_PATH}`,
      method: "GET",
      headers: { accept: "text/html", cookie: server.cookies.verified },
      connections: env.options.connections,
      ...size,
    });
    await load.request("run", run({ duration: Math.max(2, env.options.warmupSeconds) }));
    const rssAfterWarmup = residentMemory(server.child.pid).rss;
    env.log(`${framework}: long run of ${env.options.longRequests} requests on (3)`);
    const samples: { at: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      samples.push({ at: Date.now() - started, rss: residentMemory(server.child.pid).rss });
    }, 200);
    let summary: LoadSummary;
    try {
      summary = await load.request<LoadSummary>("run", run({ amount: env.options.longRequests }));
    } finally {
      clearInterval(sampler);
    }
    const elapsed = Date.now() - started;
    const peakIn = (from: number, to: number) =>
      Math.max(
        ...samples.filter((sample) => sample.at >= from && sample.at < to).map((sample) => sample.rss),
      );
    return {
      framework,
      requests: summary.requests,
      seconds: summary.seconds,
      rssAfterWarmup,
      firstQuarterPeak: peakIn(0, elapsed / 4),
      lastQuarterPeak: peakIn((elapsed * 3) / 4, Number.POSITIVE_INFINITY),
      peakRss: residentMemory(server.child.pid).peak,
      allOk: summary.errors === 0 && Object.keys(summary.statuses).every((status) => status === "200"),
    };
  } finally {
    await server.child.stop();
  }
}
