/** Renders a run's results as Markdown: the side-by-side ratios, the guard alone, RSS, the flow. */
import { FLOW_STEPS, type FlowResult } from "./flow.js";
import { PAIRS, pairRatios, type SideBySideResult } from "./http/side-by-side.js";
import type { Machine } from "./lib/machine.js";
import { medianInterval, type Spread, summarize } from "./lib/stats.js";
import type { LongRunResult } from "./long-run.js";
import type { MicroResult } from "./micro/guard-main.js";
import type { BenchOptions } from "./options.js";

/** Everything one run measured. */
export interface RunResults {
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly startedAt: string;
  readonly minutes: number;
  /** The 1-minute load average at the start and at the end (the machine may be shared). */
  readonly loadAverage: readonly [number, number];
  readonly pinned: boolean;
  readonly micro?: MicroResult;
  readonly http: readonly SideBySideResult[];
  readonly longRuns: readonly LongRunResult[];
  readonly flows: readonly FlowResult[];
}

/** The guard's budget per call in a loop (the issue's gate), in ns. */
const GUARD_BUDGET_NS = 1_000;
/** The largest RSS growth between the first and the last quarter of the long run. */
const RSS_GROWTH_LIMIT = 0.05;

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const spread = (value: Spread, digits: number) =>
  `${fixed(value.median, digits)} (${fixed(value.min, digits)}–${fixed(value.max, digits)})`;
const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 1)} MiB`;

/** The Markdown of a run. */
export function renderReport(results: RunResults): string {
  const { machine, options } = results;
  const flags = [
    `--rounds ${options.rounds} --seconds ${options.seconds} --warmup ${options.warmupSeconds}`,
    `--connections ${options.connections} --long-requests ${options.longRequests} --micro-calls ${options.microCalls}`,
    `--only ${options.sections.join(",")} --frameworks ${options.frameworks.join(",")}`,
  ].join(" ");
  return [
    "### Machine and run",
    "",
    `- ${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGiB} GiB; Node ${machine.node}; Linux ${machine.kernel}; ${results.pinned ? "servers on core 1, load and runner on core 0 (taskset)" : "not pinned"}`,
    `- ${results.startedAt}, ${fixed(results.minutes, 1)} min, load average ${fixed(results.loadAverage[0], 2)} → ${fixed(results.loadAverage[1], 2)}: \`npm run bench -- ${flags}\``,
    ...results.http.map(sideBySideSection),
    ...(results.micro === undefined ? [] : [microSection(results.micro)]),
    ...(results.longRuns.length === 0 ? [] : [longRunSection(results.longRuns)]),
    ...(results.flows.length === 0 ? [] : [flowSection(results.flows)]),
  ].join("\n");
}

/** Met when every median is at or above the floor, settled when every interval is on one side. */
function verdict(
  pair: (typeof PAIRS)[number],
  medians: readonly Spread[],
  intervals: readonly ({ low: number; high: number } | undefined)[],
) {
  if (pair.band !== undefined) {
    const within = medians.every((value) => Math.abs(value.median - 1) <= (pair.band as number));
    return { target: `1 ± ${pair.band}`, verdict: within ? "within" : "**outside**" };
  }
  if (pair.floor === undefined) return { target: "information", verdict: "" };
  const floor = pair.floor;
  const met = medians.every((value) => value.median >= floor);
  const settled = intervals.every(
    (range) => range !== undefined && range.low >= floor === met && range.high >= floor === met,
  );
  return {
    target: `>= ${floor}`,
    verdict: `${met ? "met" : "**missed**"}${settled ? "" : " (not settled)"}`,
  };
}

function sideBySideSection(result: SideBySideResult): string {
  const rows = PAIRS.map((pair, index) => {
    const rounds = result.pairs[index] ?? [];
    const { cpu, rps } = pairRatios(rounds);
    const medians = [summarize(cpu), summarize(rps)];
    const intervals = [medianInterval(cpu), medianInterval(rps)];
    const ci = intervals.map((range) =>
      range === undefined ? "n/a" : `${fixed(range.low, 3)}–${fixed(range.high, 3)}`,
    );
    const p99 = (side: "numerator" | "denominator") =>
      fixed(summarize(rounds.map((round) => round[side].p99Ms)).median, 0);
    const judged = verdict(pair, medians, intervals);
    return `| ${pair.label} | ${spread(medians[0] as Spread, 3)} | ${spread(medians[1] as Spread, 3)} | ${ci.join("; ")} | ${p99("numerator")}; ${p99("denominator")} | ${judged.target} | ${judged.verdict} |`;
  });
  return [
    "",
    `### HTTP, ${result.framework === "express" ? "Express 5" : "Koa 3"}, side by side: ${result.rounds} rounds of ${result.seconds} s`,
    "",
    "Each value: the geometric mean of two rounds in which the two processes swapped routes; median (min–max).",
    "CPU: CPU per request of the denominator over the numerator's; req/s: numerator over denominator.",
    "",
    "| ratio | CPU per request | req/s | 95 % CI of the medians (CPU; req/s) | p99 ms (num.; den.) | target | verdict |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function microSection(micro: MicroResult): string {
  const rows = micro.rows.map((row) => {
    const gated = row.subject !== "next only";
    const met = gated ? (row.cost.ns.median < GUARD_BUDGET_NS ? "met" : "**missed**") : "";
    return `| ${row.framework} | ${row.size} (${fixed(row.sessionBytes / 1024, 1)} KB) | ${row.subject} | ${spread(row.cost.ns, 0)} | ${spread(row.cost.bytes, 0)} | ${met} |`;
  });
  const { bytes } = micro.calibration;
  return [
    "",
    "### Guard alone, in a loop",
    "",
    "ns/call: median of 5 batches (min–max); bytes/call: young-generation growth over GC-free windows.",
    "Koa rows include the `await` of each call, as Koa's dispatcher pays it.",
    "",
    "| framework | session | middleware | ns/call | bytes/call | < 1 µs |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `Calibration: one 4-element array per call reads ${spread(bytes, 1)} B (V8 lays it out in 80 B).`,
  ].join("\n");
}

function longRunSection(runs: readonly LongRunResult[]): string {
  const rows = runs.map((run) => {
    const growth = run.lastQuarterPeak / run.firstQuarterPeak - 1;
    const met = run.allOk && growth <= RSS_GROWTH_LIMIT ? "met" : "**missed**";
    return `| ${run.framework} | ${run.requests} in ${fixed(run.seconds, 1)} s | ${mib(run.rssAfterWarmup)} | ${mib(run.firstQuarterPeak)} | ${mib(run.lastQuarterPeak)} | ${fixed(growth * 100, 1)} % | ${mib(run.peakRss)} | ${met} |`;
  });
  return [
    "",
    "### RSS over a long run of (3)",
    "",
    "| framework | requests | after warm-up | peak, first quarter | peak, last quarter | growth (<= 5 %) | VmHWM | verdict |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function flowSection(flows: readonly FlowResult[]): string {
  const cells = (pick: (flow: FlowResult) => { p50: number; p99: number }) =>
    flows.map((flow) => `${fixed(pick(flow).p50, 2)} | ${fixed(pick(flow).p99, 2)}`).join(" | ");
  return [
    "",
    "### Flow: complete challenges against the emulator",
    "",
    ...flows.map(
      (flow) =>
        `- ${flow.framework}: **${fixed(flow.challengesPerSecond, 1)} complete challenges/s** (${flow.challenges} in ${fixed(flow.seconds, 1)} s), server CPU ${fixed(flow.serverCpuMsPerChallenge, 2)} ms per challenge`,
    ),
    "",
    `| step | ${flows.map((flow) => `${flow.framework} p50 ms | ${flow.framework} p99 ms`).join(" | ")} |`,
    `|---|${flows.map(() => "---|---|").join("")}`,
    ...FLOW_STEPS.map((step) => `| ${step} | ${cells((flow) => flow.steps[step])} |`),
    `| **whole challenge** | ${cells((flow) => flow.total)} |`,
  ].join("\n");
}
