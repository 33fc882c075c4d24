/**
 * The HTTP bench, side by side: the two routes of a ratio served at the same time, each by its own
 * process of the same app, both processes pinned to the one server core and each under half the
 * connections. The scheduler hands the core to one and the other a few ms at a time, so both routes
 * run through the same moments of the machine's speed (which swings ±15 % from one second to the
 * next here). The processes swap routes every round; the geometric mean of two swapped rounds
 * cancels what one process does better than the other (up to ±6 % here).
 */
import { ACCOUNT_PATH, PLAIN_PATH, STEP_UP_PATH } from "../apps/common.js";
import type { BenchEnv } from "../lib/env.js";
import type { ChildHandle } from "../lib/processes.js";
import type { Framework } from "../options.js";
import type { LoadRun, LoadSummary } from "./load-main.js";
import { type RunningServer, type SessionKind, startServer } from "./servers.js";

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const JSON_ONLY = "application/json";

/** A route and a session, with the status every answer must have (or the run is void). */
interface Target {
  readonly label: string;
  readonly path: string;
  readonly session: SessionKind;
  readonly accept: string;
  readonly status: number;
  /** Each request gets its own query string, so each writes a new return-to into the session. */
  readonly freshQuery?: true;
}

/** The measured rows. (2) has nothing of second-factor; (3) to (5) have it mounted as the docs say. */
const TARGETS = {
  plain: { label: "(2)", path: PLAIN_PATH, session: "verified", accept: HTML, status: 200 },
  guard: { label: "(3)", path: ACCOUNT_PATH, session: "verified", accept: HTML, status: 200 },
  stepUp: { label: "(4)", path: STEP_UP_PATH, session: "verified", accept: HTML, status: 200 },
  redirect: { label: "(5a)", path: ACCOUNT_PATH, session: "unverified", accept: HTML, status: 302 },
  json401: { label: "(5b)", path: ACCOUNT_PATH, session: "unverified", accept: JSON_ONLY, status: 401 },
  fresh: {
    label: "(5c)",
    path: ACCOUNT_PATH,
    session: "unverified",
    accept: HTML,
    status: 302,
    freshQuery: true,
  },
} as const satisfies Record<string, Target>;

/** A ratio `numerator / denominator` with its target: at least `floor`, or within 1 ± `band` (A/A). */
export interface Pair {
  readonly label: string;
  readonly numerator: Target;
  readonly denominator: Target;
  readonly floor?: number;
  readonly band?: number;
}

/** The ratios measured, in the order of a round (the one that leaves most garbage behind last). */
export const PAIRS: readonly Pair[] = [
  { label: "A/A: (2) beside (2)", numerator: TARGETS.plain, denominator: TARGETS.plain, band: 0.03 },
  {
    label: "(3)/(2): the guard, verified",
    numerator: TARGETS.guard,
    denominator: TARGETS.plain,
    floor: 0.98,
  },
  { label: "(4)/(2): step-up, verified", numerator: TARGETS.stepUp, denominator: TARGETS.plain, floor: 0.98 },
  { label: "(5a)/(3): redirect, 302", numerator: TARGETS.redirect, denominator: TARGETS.guard, floor: 0.95 },
  { label: "(5b)/(3): JSON, 401", numerator: TARGETS.json401, denominator: TARGETS.guard, floor: 0.95 },
  {
    label: "(5c)/(5a): writing a new return-to each time",
    numerator: TARGETS.fresh,
    denominator: TARGETS.redirect,
  },
];

/** What one process did with one route in one round. */
export interface SideSample {
  readonly requests: number;
  readonly seconds: number;
  /** The process's CPU time (user + system) over the measurement, in µs. */
  readonly cpuUs: number;
  readonly p99Ms: number;
}

/** Every round of every pair of one framework (`pairs[i]` follows {@link PAIRS}; index = round). */
export interface SideBySideResult {
  readonly framework: Framework;
  readonly rounds: number;
  readonly seconds: number;
  readonly pairs: readonly (readonly { numerator: SideSample; denominator: SideSample }[])[];
}

/**
 * Starts two processes of the app of `framework`, serves every route once on both (unmeasured: the
 * first rounds came out up to 50 % off without it), then measures every pair once per round.
 * @throws Error when an answer is not the target's status: the measurement is void.
 */
export async function measureSideBySide(
  env: BenchEnv,
  load: ChildHandle,
  framework: Framework,
): Promise<SideBySideResult> {
  const { rounds, seconds, warmupSeconds, connections } = env.options;
  const processes: RunningServer[] = [];
  try {
    for (let index = 0; index < 2; index++) processes.push(await startServer(env, framework));
    const [first, second] = processes as [RunningServer, RunningServer];
    // Half the connections each: the two together load the core as one route alone would.
    const half = Math.floor(connections / 2);
    if (warmupSeconds > 0) {
      env.log(`${framework}: warming up (${warmupSeconds}s per route)`);
      for (const target of Object.values(TARGETS))
        await together(load, [first, target], [second, target], warmupSeconds, half);
    }
    const pairs = PAIRS.map(() => [] as { numerator: SideSample; denominator: SideSample }[]);
    for (let round = 0; round < rounds; round++) {
      env.log(`${framework}: side by side, round ${round + 1}/${rounds}`);
      const [onNumerator, onDenominator] = round % 2 === 0 ? [first, second] : [second, first];
      for (const [index, pair] of PAIRS.entries()) {
        const [numerator, denominator] = await together(
          load,
          [onNumerator, pair.numerator],
          [onDenominator, pair.denominator],
          seconds,
          half,
        );
        pairs[index]?.push({ numerator, denominator });
      }
    }
    return { framework, rounds, seconds, pairs };
  } finally {
    await Promise.all(processes.map((server) => server.child.stop()));
  }
}

/** Loads both sides at once and reads each server's CPU time before and after. */
async function together(
  load: ChildHandle,
  a: readonly [RunningServer, Target],
  b: readonly [RunningServer, Target],
  duration: number,
  connections: number,
): Promise<[SideSample, SideSample]> {
  const sides = [a, b];
  const runs: LoadRun[] = sides.map(([server, target]) => ({
    url: `${server.url}${target.path}`,
    method: "GET",
    ...(target.freshQuery ? { freshQuery: true } : {}),
    headers: { accept: target.accept, cookie: server.cookies[target.session] },
    connections,
    duration,
  }));
  const cpu = () => Promise.all(sides.map(([server]) => server.child.request<NodeJS.CpuUsage>("cpu")));
  const before = await cpu();
  const summaries = await load.request<LoadSummary[]>("run-together", runs);
  const after = await cpu();
  return sides.map(([, target], index) => {
    const summary = summaries[index] as LoadSummary;
    const wrong = Object.keys(summary.statuses).filter((status) => Number(status) !== target.status);
    if (summary.requests === 0 || wrong.length > 0 || summary.errors > 0)
      throw new Error(
        `${target.label} ${target.path}: every answer must be ${target.status}; got ${JSON.stringify(summary.statuses)}, ` +
          `${summary.errors} connection errors. The measurement is void.`,
      );
    const start = before[index] as NodeJS.CpuUsage;
    const end = after[index] as NodeJS.CpuUsage;
    const cpuUs = end.user - start.user + (end.system - start.system);
    return { requests: summary.requests, seconds: summary.seconds, cpuUs, p99Ms: summary.p99 };
  }) as [SideSample, SideSample];
}

/**
 * The ratios of one pair, one value per two swapped rounds (their geometric mean): CPU per request
 * of the denominator over the numerator's, and requests/s of the numerator over the denominator's,
 * so that for both 1 means "costs the same" and 0.98 "2 % more expensive".
 */
export function pairRatios(rounds: readonly { numerator: SideSample; denominator: SideSample }[]): {
  readonly cpu: number[];
  readonly rps: number[];
} {
  const cpu = (side: SideSample) => side.cpuUs / side.requests;
  const rps = (side: SideSample) => side.requests / side.seconds;
  const swapped = (ratios: readonly number[]) =>
    ratios.flatMap((ratio, index) =>
      index % 2 === 1 ? [Math.sqrt((ratios[index - 1] as number) * ratio)] : [],
    );
  return {
    cpu: swapped(rounds.map((round) => cpu(round.denominator) / cpu(round.numerator))),
    rps: swapped(rounds.map((round) => rps(round.numerator) / rps(round.denominator))),
  };
}
