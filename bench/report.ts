/** Renders a run's results as the Markdown block of RESULTS.md. */

import type { SegmentStats } from "./apps/segment-timer.js";
import type { FlowResult } from "./flow/run.js";
import { FLOW_STEPS } from "./flow/walk.js";
import { IN_SITU_ROUTES, type InSituId, type InSituResult } from "./http/in-situ.js";
import type { Sample } from "./http/measure.js";
import type { HttpResult } from "./http/rounds.js";
import { SIDE_BY_SIDE_PAIRS, sideBySideRatios } from "./http/side-by-side.js";
import { COMPARISONS, type Comparison, TARGETS } from "./http/targets.js";
import type { CorePlan } from "./lib/child.js";
import type { Machine } from "./lib/machine.js";
import type { BenchOptions } from "./lib/options.js";
import { medianInterval, pairedRatios, type Spread, summarize } from "./lib/stats.js";
import type { BudgetsResult } from "./memory/budgets-main.js";
import type { LongRunResult } from "./memory/long-run.js";
import type { MicroResult } from "./micro/guard-main.js";

/**
 * Everything one run measured.
 * @example
 * const markdown = renderReport(results);
 */
export interface RunResults {
  readonly machine: Machine;
  readonly plan: CorePlan;
  readonly options: BenchOptions;
  readonly startedAt: string;
  readonly minutes: number;
  readonly loadAverage: { readonly start: number | undefined; readonly end: number | undefined };
  readonly micro?: MicroResult;
  readonly http: readonly HttpResult[];
  readonly longRuns: readonly LongRunResult[];
  readonly budgets?: BudgetsResult;
  readonly flows: readonly FlowResult[];
}

/** The guard's budget per call (the issue's gate), in ns. */
const GUARD_BUDGET_NS = 1_000;
/** The largest RSS growth between the first and the last quarter of the long run. */
const RSS_GROWTH_LIMIT = 0.05;

const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a";
const spread = (value: Spread, digits: number): string =>
  `${fixed(value.median, digits)} (${fixed(value.min, digits)}–${fixed(value.max, digits)})`;
const mib = (bytes: number): string => `${fixed(bytes / 2 ** 20, 1)} MiB`;

/**
 * The Markdown of a run: machine, HTTP table and ratios, micro-benchmark, flow, memory.
 * @example
 * writeFileSync("report.md", renderReport(results));
 */
export function renderReport(results: RunResults): string {
  return [
    machineSection(results),
    ...results.http.map(httpSection),
    results.micro === undefined ? "" : microSection(results.micro),
    results.flows.length === 0 ? "" : flowSection(results.flows),
    results.longRuns.length === 0 ? "" : longRunSection(results.longRuns),
    results.budgets === undefined ? "" : budgetsSection(results.budgets),
  ]
    .filter((part) => part !== "")
    .join("\n\n");
}

function machineSection(results: RunResults): string {
  const { machine, plan, options, loadAverage } = results;
  const pinning = plan.pinned
    ? `servers pinned to core ${plan.serverCore}, load generator and runner to core ${plan.loadCore} (taskset)`
    : "not pinned (one core, or no taskset)";
  return [
    "### Machine and run",
    "",
    `- ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB; Node ${machine.node}; Linux ${machine.kernel}`,
    `- ${pinning}; load average ${fixed(loadAverage.start ?? Number.NaN, 2)} at the start, ${fixed(loadAverage.end ?? Number.NaN, 2)} at the end (the machine is shared)`,
    `- run of ${results.startedAt}, ${fixed(results.minutes, 1)} minutes: \`${commandOf(options)}\``,
  ].join("\n");
}

function commandOf(options: BenchOptions): string {
  return (
    `npm run bench -- --rounds ${options.rounds} --situ-rounds ${options.situRounds} --side-rounds ${options.sideRounds} --side-seconds ${options.sideSeconds} --seconds ${options.seconds} --warmup ${options.warmupSeconds} ` +
    `--connections ${options.connections} --max-foreign ${options.maxForeign} --retries ${options.retries} --long-requests ${options.longRequests} --only ${options.sections.join(",")} ` +
    `--frameworks ${options.frameworks.join(",")}`
  );
}

function httpSection(result: HttpResult): string {
  const name = result.framework === "express" ? "Express 5" : "Koa 3";
  const rows = TARGETS.map((target) => {
    const samples: readonly Sample[] = result.samples[target.id];
    const pick = (field: keyof Sample) => summarize(samples.map((sample) => sample[field]));
    return `| ${target.label} | ${target.status} | ${spread(pick("rps"), 0)} | ${spread(pick("cpuPerRequestUs"), 1)} | ${fixed(pick("p99Ms").median, 0)} | ${fixed(pick("serverBusy").median, 2)} | ${fixed(pick("foreignShare").median * 100, 0)} % |`;
  });
  const ratios = COMPARISONS.map((comparison) => ratioRow(result, comparison));
  return [
    `### HTTP, ${name}: ${result.rounds} interleaved rounds`,
    "",
    "Medians over the rounds, (min–max). CPU is the server process's user + system time per request;",
    "server busy is its CPU time over wall time (1 = one core saturated); other processes is the CPU",
    "the rest of the machine's processes took meanwhile, as a share of all cores.",
    "",
    "| row | status | req/s | server CPU µs/req | p99 ms | server busy | other processes |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Ratios, paired round by round (median, min–max). For CPU the ratio is CPU/request of the",
    "denominator over the numerator's, so that 1 means equal and lower means the numerator costs more.",
    "The confidence interval of each median is distribution-free (binomial order statistics); a",
    "verdict is *not settled* when that interval still reaches across the target.",
    "",
    "| ratio | req/s | CPU per request | 95 % CI of the medians (req/s; CPU) | target | verdict |",
    "|---|---|---|---|---|---|",
    ...ratios,
    "",
    sideBySideSection(result),
    "",
    inSituSection(result),
  ].join("\n");
}

/** The ratio (3)/(2) in CPU per request that the in-situ difference implies, and its verdict. */
const IN_SITU_DIFFERENCES: readonly {
  readonly label: string;
  readonly numerator: InSituId;
  readonly denominator: InSituId;
  readonly target?: number;
}[] = [
  {
    label: "(3) − (2): all that second-factor adds",
    numerator: "guard",
    denominator: "plain",
    target: 0.98,
  },
  { label: "(4) − (2): the same with step-up", numerator: "step-up", denominator: "plain", target: 0.98 },
  {
    label: "(2m) − (2): mounting sessionErrorHandler() and routes()",
    numerator: "mounted",
    denominator: "plain",
  },
  { label: "(3) − (2m): requireSecondFactor() itself", numerator: "guard", denominator: "mounted" },
  { label: "(3) − (2h): the guard over a hand-written check", numerator: "guard", denominator: "hand" },
];

function inSituSection(result: HttpResult): string {
  const { inSitu } = result;
  const plainCpuUs = summarize(result.samples.plain.map((sample) => sample.cpuPerRequestUs)).median;
  const rows = IN_SITU_ROUTES.map((route) => {
    const rounds = inSitu.routes[route.id];
    const wholes = inSitu.whole[route.id];
    const requests = (list: readonly SegmentStats[]) => list.reduce((sum, stats) => sum + stats.count, 0);
    return `| ${route.label} | ${spread(summarize(rounds.map((stats) => stats.medianNs)), 0)} | ${spread(summarize(rounds.map((stats) => stats.p90Ns)), 0)} | ${requests(rounds)} | ${spread(summarize(wholes.map((stats) => stats.medianNs)), 0)} | ${requests(wholes)} |`;
  });
  return [
    `In situ (${inSitu.rounds} rounds; in each, the routes requested in turn on every connection, so`,
    "that they share every moment of the machine's noise), measured inside the server on every",
    "request (`performance.now()`): **the segment**, under the load of the rounds above, from the",
    "session middleware handing a request on to the handler starting, which on a verified session",
    "holds everything second-factor adds before the handler with caches as cold as a busy server",
    "leaves them; and **the whole request**, on two connections, from the server's listener being",
    "called to the response's `finish`, which also holds the way back and, on Koa, the",
    "`sessionErrorHandler()` mounted in front of the session.",
    "",
    "| route | segment ns, median of the rounds' medians (min–max) | segment ns, p90 (min–max) | requests | whole request ns, median (min–max) | requests |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `The differences of the medians, round by round, against the ${fixed(plainCpuUs, 1)} µs of server CPU a`,
    "request of (2) costs (its median in the rounds above), and the ratio of CPU per request they",
    "imply, 1 / (1 + difference / CPU of (2)); *not settled* when the rounds fall on both sides:",
    "",
    "| difference | ns, median (min–max) | of (2)'s CPU | implied ratio (min–max) | target | verdict |",
    "|---|---|---|---|---|---|",
    ...differenceRows(inSitu.routes, plainCpuUs, "segment"),
    ...differenceRows(inSitu.whole, plainCpuUs, "whole request"),
  ].join("\n");
}

function differenceRows(routes: InSituResult["routes"], plainCpuUs: number, measure: string): string[] {
  const medians = (id: InSituId) => routes[id].map((stats) => stats.medianNs);
  return IN_SITU_DIFFERENCES.map((difference) => {
    const numerator = medians(difference.numerator);
    const perRound = medians(difference.denominator).map(
      (ns, round) => (numerator[round] ?? Number.NaN) - ns,
    );
    const added = summarize(perRound);
    const implied = (ns: number) => 1 / (1 + ns / 1000 / plainCpuUs);
    let verdict = "";
    if (difference.target !== undefined) {
      const floor = difference.target;
      const met = implied(added.median) >= floor;
      const settled = perRound.every((ns) => implied(ns) >= floor === met);
      verdict = `${met ? "met" : "**missed**"}${settled ? "" : " (not settled)"}`;
    }
    return `| ${measure}: ${difference.label} | ${spread(added, 0)} | ${fixed((added.median / 1000 / plainCpuUs) * 100, 2)} % | ${fixed(implied(added.median), 4)} (${fixed(implied(added.max), 4)}–${fixed(implied(added.min), 4)}) | ${difference.target === undefined ? "information" : `>= ${difference.target}`} | ${verdict} |`;
  });
}

function ratioRow(result: HttpResult, comparison: Comparison): string {
  const numerator = result.samples[comparison.numerator];
  const denominator = result.samples[comparison.denominator];
  const rpsRatios = pairedRatios(
    numerator.map((s) => s.rps),
    denominator.map((s) => s.rps),
  );
  const cpuRatios = pairedRatios(
    denominator.map((s) => s.cpuPerRequestUs),
    numerator.map((s) => s.cpuPerRequestUs),
  );
  const rps = summarize(rpsRatios);
  const cpu = summarize(cpuRatios);
  const intervals = [medianInterval(rpsRatios), medianInterval(cpuRatios)];
  const { target, verdict } = judge(comparison, [rps, cpu], intervals);
  return `| ${comparison.label} | ${spread(rps, 3)} | ${spread(cpu, 3)} | ${intervalText(intervals)} | ${target} | ${verdict} |`;
}

function intervalText(intervals: readonly ({ low: number; high: number } | undefined)[]): string {
  return intervals
    .map((range) => (range === undefined ? "n/a" : `${fixed(range.low, 3)}–${fixed(range.high, 3)}`))
    .join("; ");
}

/**
 * The target column and the verdict of a ratio measured by several metrics: met when every median
 * is at or above the target, settled when every interval lies on the same side; for an A/A ratio,
 * within when every median lies within the band.
 */
function judge(
  goal: { readonly target?: number; readonly band?: number },
  medians: readonly Spread[],
  intervals: readonly ({ low: number; high: number } | undefined)[],
): { target: string; verdict: string } {
  if (goal.target !== undefined) {
    const floor = goal.target;
    const met = medians.every((value) => value.median >= floor);
    const settled = intervals.every(
      (range) => range !== undefined && range.low >= floor === met && range.high >= floor === met,
    );
    return {
      target: `>= ${floor}`,
      verdict: `${met ? "met" : "**missed**"}${settled ? "" : " (not settled)"}`,
    };
  }
  if (goal.band !== undefined) {
    const band = goal.band;
    const within = medians.every((value) => Math.abs(value.median - 1) <= band);
    return { target: `1 ± ${band}`, verdict: within ? "within" : "**outside**" };
  }
  return { target: "information", verdict: "" };
}

function sideBySideSection(result: HttpResult): string {
  const { sideBySide } = result;
  const rows = SIDE_BY_SIDE_PAIRS.map((pair, index) => {
    const { cpu, rps } = sideBySideRatios(sideBySide.pairs[index] ?? []);
    const medians = [summarize(cpu.swapped), summarize(rps.swapped)];
    const intervals = [medianInterval(cpu.swapped), medianInterval(rps.swapped)];
    const { target, verdict } = judge(pair, medians, intervals);
    const [cpuSpread, rpsSpread] = medians as [Spread, Spread];
    return `| ${pair.label} | ${spread(cpuSpread, 3)} | ${spread(rpsSpread, 3)} | ${intervalText(intervals)} | ${spread(summarize(cpu.perRound), 3)} | ${target} | ${verdict} |`;
  });
  return [
    `Side by side (${sideBySide.rounds} rounds of ${sideBySide.seconds} s): both routes of a ratio served at the same time, each`,
    "by its own process of the app, both processes pinned to the server core and each loaded by half",
    "the connections, so that both routes meet the same moments of the machine's speed. The processes",
    "swap routes every round; each value is the geometric mean of two swapped rounds, in which what",
    "one process does better than the other cancels out. CPU as above (denominator over numerator);",
    "req/s of the numerator over the denominator's (the scheduler shares the core, so it is the less",
    "direct of the two).",
    "",
    "| ratio | CPU per request, median (min–max) | req/s | 95 % CI of the medians (CPU; req/s) | single rounds, CPU | target | verdict |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function microSection(micro: MicroResult): string {
  const rows = micro.rows.map((row) => {
    const isGuard = row.subject.startsWith("requireSecondFactor");
    const verdict = isGuard ? (row.cost.ns.median < GUARD_BUDGET_NS ? "met" : "**missed**") : "";
    return `| ${row.framework} | ${row.size} (${fixed(row.sessionBytes / 1024, 1)} KB) | ${row.subject} | ${spread(row.cost.ns, 0)} | ${spread(row.cost.bytes, 0)} | ${verdict} |`;
  });
  const c = micro.calibration;
  return [
    "### Guard alone (micro-benchmark, no HTTP)",
    "",
    "Each adapter's middleware called in a loop on a real request of the app (captured from one HTTP",
    "request after the real flow verified its session). ns/call: median of 5 timed batches (min–max);",
    "bytes/call: young-generation growth over GC-free windows (method in the text above). Koa rows",
    "include the `await` of each call, as Koa's dispatcher pays it.",
    "",
    "| framework | session | middleware | ns/call | bytes/call | < 1 µs |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `Calibration of the allocation measure: one 4-element array per call reads ${fixed(c.bytes.median, 1)} B`,
    `(${fixed(c.bytes.min, 1)}–${fixed(c.bytes.max, 1)}); V8 lays it out in 80 B.`,
  ].join("\n");
}

function flowSection(flows: readonly FlowResult[]): string {
  const header = `| step | ${flows.map((flow) => `${flow.framework} p50 ms | ${flow.framework} p99 ms`).join(" | ")} |`;
  const rule = `|---|${flows.map(() => "---|---|").join("")}`;
  const steps = FLOW_STEPS.map(
    (step) =>
      `| ${step} | ${flows.map((flow) => `${fixed(flow.steps[step].p50, 2)} | ${fixed(flow.steps[step].p99, 2)}`).join(" | ")} |`,
  );
  const total = `| **whole challenge** | ${flows.map((flow) => `${fixed(flow.total.p50, 2)} | ${fixed(flow.total.p99, 2)}`).join(" | ")} |`;
  const summary = flows.map(
    (flow) =>
      `- ${flow.framework}: ${flow.challenges} challenges in ${fixed(flow.seconds, 1)} s = **${fixed(flow.challengesPerSecond, 1)} complete challenges/s**, server CPU ${fixed(flow.serverCpuMsPerChallenge, 2)} ms per challenge`,
  );
  return [
    "### Flow: complete challenges against the emulator",
    "",
    ...summary,
    "",
    header,
    rule,
    ...steps,
    total,
  ].join("\n");
}

function longRunSection(runs: readonly LongRunResult[]): string {
  const rows = runs.map((run) => {
    const growth = run.lastQuarterPeak / run.firstQuarterPeak - 1;
    const verdict = run.allOk && growth <= RSS_GROWTH_LIMIT ? "met" : "**missed**";
    return `| ${run.framework} | ${run.requests} | ${fixed(run.seconds, 1)} | ${mib(run.rssAfterWarmup)} | ${mib(run.firstQuarterPeak)} | ${mib(run.lastQuarterPeak)} | ${fixed(growth * 100, 1)} % | ${mib(run.peakRss)} | ${verdict} |`;
  });
  return [
    "### Memory: long run of (3)",
    "",
    "RSS of the server sampled from /proc every 200 ms; growth = peak of the last quarter over the peak",
    "of the first quarter (target: at most 5 %).",
    "",
    "| framework | requests | s | RSS after warm-up | peak RSS, first quarter | peak RSS, last quarter | growth | VmHWM | verdict |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function budgetsSection(budgets: BudgetsResult): string {
  const { flood, failures } = budgets;
  const full =
    failures.whenFull === "accepted"
      ? "accepted (**the cap did not hold**)"
      : `refused: \`${failures.whenFull.code}\`, status ${failures.whenFull.status}, Retry-After ${failures.whenFull.retryAfter ?? "none"} s`;
  return [
    `### Memory held by the budgets (${budgets.keys} distinct users, sessions, numbers and IPs)`,
    "",
    `- Flood budgets (rate-limiter-flexible memory, 8 keys per user: send and check × session, user, destination, IP): **${fixed(flood.bytesPerUser, 0)} B per user** (${fixed(flood.bytesPerKey, 0)} B per key).`,
    `  With 1-second windows, ${fixed(flood.bytesPerUserAfterWindow, 0)} B per user remain 2 s after the last request: keys go with their window.`,
    `- Failure counts (durable memory store, cap ${failures.cap}; default cap ${failures.defaultCap}): **${fixed(failures.bytesPerEntry, 0)} B per entry**, so ${mib(failures.bytesPerEntry * failures.defaultCap)} at the default cap.`,
    `- Full store, a new account's wrong code: ${full}. An account already counted: ${failures.existingStillCounted ? "still counted" : "**not counted**"}. A new single-use marker: ${failures.markerWhenFull}. After the entries' 24 h forget time (app clock): ${failures.acceptedAfterExpiry ? "new accounts are counted again" : "**still refused**"}.`,
  ].join("\n");
}
