/**
 * One measurement of one target: the server's CPU time around one autocannon run, and how much CPU
 * other processes on the machine took meanwhile (the machine is shared).
 */
import { cpus } from "node:os";
import type { ChildHandle } from "../lib/child.js";
import { machineBusyMicros } from "../lib/proc.js";
import type { LoadRun, LoadSummary } from "./load-main.js";
import type { Target } from "./targets.js";

/**
 * What one round saw of one target.
 * @example
 * const sample: Sample = await measure(load, server, run, target);
 */
export interface Sample {
  /** Completed requests per second. */
  readonly rps: number;
  /** Server CPU time (user + system) per request, in µs. */
  readonly cpuPerRequestUs: number;
  /** Server CPU time over wall time: near 1 when the server was the bottleneck. */
  readonly serverBusy: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /**
   * CPU time of processes other than the bench's (server, load generator, runner) over the
   * measurement, as a share of the whole machine (all cores): 0 on a quiet machine.
   */
  readonly foreignShare: number;
}

/**
 * Runs `run` from the load process against `server` and reads the server's CPU time before and after.
 * @throws Error when any answer has another status than the target's, or connections failed.
 * @example
 * const sample = await measure(load, server, { url, method: "GET", headers, connections: 10, duration: 3 }, target);
 */
export async function measure(
  load: ChildHandle,
  server: ChildHandle,
  run: LoadRun,
  target: Target,
): Promise<Sample> {
  // All cores of the machine: the runner itself is pinned to one, so availableParallelism() says 1.
  const cores = cpus().length;
  const before = await server.request<NodeJS.CpuUsage>("cpu");
  const loadBefore = await load.request<NodeJS.CpuUsage>("cpu");
  const runnerBefore = process.cpuUsage();
  const machineBefore = machineBusyMicros();
  const started = process.hrtime.bigint();
  const summary = await load.request<LoadSummary>("run", run);
  const wallUs = Number(process.hrtime.bigint() - started) / 1e3;
  const machineAfter = machineBusyMicros();
  const runner = process.cpuUsage(runnerBefore);
  const loadAfter = await load.request<NodeJS.CpuUsage>("cpu");
  const after = await server.request<NodeJS.CpuUsage>("cpu");
  checkSummary(summary, target);
  const cpuUs = after.user - before.user + (after.system - before.system);
  const ours = cpuUs + micros(loadAfter) - micros(loadBefore) + micros(runner);
  const foreignShare =
    machineBefore === undefined || machineAfter === undefined
      ? 0
      : Math.max(0, (machineAfter - machineBefore - ours) / (wallUs * cores));
  return {
    rps: summary.requests / summary.seconds,
    cpuPerRequestUs: cpuUs / summary.requests,
    serverBusy: cpuUs / (summary.seconds * 1e6),
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    requests: summary.requests,
    foreignShare,
  };
}

function micros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

/**
 * Refuses a measurement in which any answer had another status than the target's, or connections failed.
 * @throws Error naming the target and what the load saw: the measurement is void.
 * @example
 * checkSummary(summary, target);
 */
export function checkSummary(summary: LoadSummary, target: Target): void {
  const wrong = Object.entries(summary.statuses).filter(([status]) => Number(status) !== target.status);
  if (summary.requests === 0 || wrong.length > 0 || summary.errors > 0) {
    throw new Error(
      `target ${target.id}: every answer must be ${target.status}; got ${JSON.stringify(summary.statuses)}, ` +
        `${summary.errors} connection errors, ${summary.requests} requests. The measurement is void.`,
    );
  }
}

/**
 * {@link measure}, taken again (up to `retries` more times) while other processes took more than
 * `maxForeign` of the machine; keeps the quietest attempt. The choice looks only at the other
 * processes' load, never at the result, so it favours no target.
 * @example
 * const sample = await measureQuietly(load, server, run, target, { maxForeign: 0.1, retries: 1 });
 */
export async function measureQuietly(
  load: ChildHandle,
  server: ChildHandle,
  run: LoadRun,
  target: Target,
  quiet: { maxForeign: number; retries: number },
): Promise<Sample> {
  const attempt = (): Promise<Sample> => measure(load, server, run, target);
  let best = await attempt();
  for (let retry = 0; retry < quiet.retries && best.foreignShare > quiet.maxForeign; retry++) {
    const again = await attempt();
    if (again.foreignShare < best.foreignShare) best = again;
  }
  return best;
}
