/**
 * Side by side: the two routes of a ratio measured at the same time, each on its own process of the
 * same app, both processes pinned to the one server core and each under its own half of the load.
 * The scheduler hands the core to one process and the other by turns, a few ms at a time, so both
 * routes run through the same moments of the machine's speed, which in one-after-the-other
 * measurements swings ±15 % from one second to the next. The processes swap routes every other
 * round; the geometric mean of two swapped rounds cancels whatever one process does better than
 * the other (two processes of one app differ by up to 12 % here).
 */
import type { ChildHandle } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { LoadRun, LoadSummary } from "./load-main.js";
import { checkSummary } from "./measure.js";
import { type RunningServer, sessionCookie } from "./servers.js";
import { COMPARISONS, type Comparison, type Target, type TargetId, targetById } from "./targets.js";

/** The targets two processes of the app can serve side by side: one request each, no fresh URLs. */
const SIDE_BY_SIDE_TARGETS: ReadonlySet<TargetId> = new Set([
  "plain",
  "mounted",
  "guard",
  "step-up",
  "redirect",
  "json-401",
]);

/**
 * The ratios measured side by side (`numerator / denominator`, both routes served at once): an A/A
 * pair, then every ratio of {@link COMPARISONS} between two of {@link SIDE_BY_SIDE_TARGETS}.
 */
export const SIDE_BY_SIDE_PAIRS: readonly Comparison[] = [
  { label: "A/A: (2) beside (2)", numerator: "plain", denominator: "plain", band: 0.03 },
  ...COMPARISONS.filter(
    (comparison) =>
      SIDE_BY_SIDE_TARGETS.has(comparison.numerator) && SIDE_BY_SIDE_TARGETS.has(comparison.denominator),
  ),
];

/** The servers that take turns: two processes of the same app. */
export const SIDE_BY_SIDE_SERVERS = ["app", "app-2"] as const;

/**
 * One side of one round: what one process did with one route.
 * @example
 * const cpuPerRequestUs = side.cpuUs / side.requests;
 */
export interface SideSample {
  readonly requests: number;
  readonly seconds: number;
  /** The process's CPU time (user + system) over the measurement, in µs. */
  readonly cpuUs: number;
  readonly p99Ms: number;
}

/**
 * One round of one pair: both sides, and which process served the numerator.
 * @example
 * const ratio = round.denominator.cpuUs / round.denominator.requests / (round.numerator.cpuUs / round.numerator.requests);
 */
export interface SideBySideRound {
  /** Index into {@link SIDE_BY_SIDE_SERVERS} of the process that served the numerator. */
  readonly numeratorServer: 0 | 1;
  readonly numerator: SideSample;
  readonly denominator: SideSample;
}

/**
 * Every round of every pair (index = round); rounds alternate which process serves the numerator.
 * @example
 * const guardRounds = result.pairs[1];
 */
export interface SideBySideResult {
  readonly rounds: number;
  /** Seconds of load per pair per round. */
  readonly seconds: number;
  /** Same order as {@link SIDE_BY_SIDE_PAIRS}. */
  readonly pairs: readonly (readonly SideBySideRound[])[];
}

/**
 * Measures every pair of {@link SIDE_BY_SIDE_PAIRS} in `env.options.sideRounds` rounds (an even
 * number: the processes swap every round) of `env.options.sideSeconds`, after a warm-up of every
 * route on both processes; a round measures every pair once, in turn.
 * @throws Error when an answer is not the target's status, or a server is missing a session.
 * @example
 * const sideBySide = await measureSideBySide(env, load, servers);
 */
export async function measureSideBySide(
  env: BenchEnv,
  load: ChildHandle,
  servers: ReadonlyMap<string, RunningServer>,
): Promise<SideBySideResult> {
  const { sideRounds, sideSeconds: seconds, warmupSeconds, connections } = env.options;
  const processes = SIDE_BY_SIDE_SERVERS.map((id) => {
    const server = servers.get(id);
    if (server === undefined) throw new Error(`side by side: no ${id} server`);
    return server;
  }) as [RunningServer, RunningServer];
  // Half the connections each: the two together load the core as one target does in the rounds.
  const half = Math.max(1, Math.floor(connections / 2));
  // Each process serves each route once, unmeasured, in this set-up (two processes on one core),
  // before the first round: the first rounds came out up to 50 % off without it.
  const routes = [...new Set(SIDE_BY_SIDE_PAIRS.flatMap((pair) => [pair.numerator, pair.denominator]))];
  if (warmupSeconds > 0) {
    for (const id of routes) {
      const target = targetById(id);
      await measureTogether(
        load,
        [
          { server: processes[0], target },
          { server: processes[1], target },
        ],
        warmupSeconds,
        half,
      );
    }
  }
  const pairs = SIDE_BY_SIDE_PAIRS.map(() => [] as SideBySideRound[]);
  for (let round = 0; round < sideRounds; round++) {
    const numeratorServer = round % 2 === 0 ? 0 : 1;
    for (const [index, pair] of SIDE_BY_SIDE_PAIRS.entries()) {
      const numerator = targetById(pair.numerator);
      const denominator = targetById(pair.denominator);
      const onNumerator = processes[numeratorServer];
      const onDenominator = processes[1 - numeratorServer] as RunningServer;
      const [numeratorSide, denominatorSide] = await measureTogether(
        load,
        [
          { server: onNumerator, target: numerator },
          { server: onDenominator, target: denominator },
        ],
        seconds,
        half,
      );
      pairs[index]?.push({ numeratorServer, numerator: numeratorSide, denominator: denominatorSide });
    }
  }
  return { rounds: sideRounds, seconds, pairs };
}

async function measureTogether(
  load: ChildHandle,
  sides: readonly [{ server: RunningServer; target: Target }, { server: RunningServer; target: Target }],
  seconds: number,
  connections: number,
): Promise<[SideSample, SideSample]> {
  const runs: LoadRun[] = sides.map(({ server, target }) => ({
    url: `${server.url}${target.path}`,
    method: target.method,
    headers: { accept: target.accept, ...sessionCookie(server, target) },
    connections,
    duration: seconds,
  }));
  const cpu = () => Promise.all(sides.map(({ server }) => server.child.request<NodeJS.CpuUsage>("cpu")));
  const before = await cpu();
  const summaries = await load.request<LoadSummary[]>("run-together", runs);
  const after = await cpu();
  return sides.map(({ target }, index) => {
    const summary = summaries[index] as LoadSummary;
    checkSummary(summary, target);
    const start = before[index] as NodeJS.CpuUsage;
    const end = after[index] as NodeJS.CpuUsage;
    return {
      requests: summary.requests,
      seconds: summary.seconds,
      cpuUs: end.user - start.user + (end.system - start.system),
      p99Ms: summary.p99,
    };
  }) as [SideSample, SideSample];
}

/**
 * The ratios of one pair: per round (CPU per request of the denominator over the numerator's, and
 * requests/s of the numerator over the denominator's), and per two swapped rounds their geometric
 * mean, in which what one process does better than the other cancels out.
 * @example
 * const { cpu } = sideBySideRatios(result.pairs[1]); // cpu.swapped: one value per two rounds
 */
export function sideBySideRatios(rounds: readonly SideBySideRound[]): {
  readonly cpu: { readonly perRound: number[]; readonly swapped: number[] };
  readonly rps: { readonly perRound: number[]; readonly swapped: number[] };
} {
  const cpuPerRequest = (side: SideSample) => side.cpuUs / side.requests;
  const rps = (side: SideSample) => side.requests / side.seconds;
  const cpuRatios = rounds.map((round) => cpuPerRequest(round.denominator) / cpuPerRequest(round.numerator));
  const rpsRatios = rounds.map((round) => rps(round.numerator) / rps(round.denominator));
  return {
    cpu: { perRound: cpuRatios, swapped: swappedMeans(cpuRatios) },
    rps: { perRound: rpsRatios, swapped: swappedMeans(rpsRatios) },
  };
}

/** Geometric means of rounds 0 and 1, 2 and 3, ... (an odd last round is left out). */
function swappedMeans(ratios: readonly number[]): number[] {
  const means: number[] = [];
  for (let index = 0; index + 1 < ratios.length; index += 2)
    means.push(Math.sqrt((ratios[index] as number) * (ratios[index + 1] as number)));
  return means;
}
