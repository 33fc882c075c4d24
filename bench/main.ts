/**
 * The bench runner (`npm run bench`): the guard micro-benchmark, the HTTP bench in interleaved
 * rounds, the memory runs and the flow bench. Prints the Markdown report, keeps it with the raw
 * results in `.tmp/bench/`, and with `--write` puts it into `bench/RESULTS.md`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator } from "../testing/index.js";
import type { FlowResult } from "./flow/run.js";
import { runFlowBench } from "./flow/run.js";
import { type HttpResult, runHttpBench } from "./http/rounds.js";
import { corePlan, pinSelf, startChild } from "./lib/child.js";
import { createEnv } from "./lib/env.js";
import { describeMachine } from "./lib/machine.js";
import { type BenchOptions, parseOptions, USAGE } from "./lib/options.js";
import { loadAverage } from "./lib/proc.js";
import { writeResultsBlock } from "./lib/results-file.js";
import type { BudgetsResult } from "./memory/budgets-main.js";
import { type LongRunResult, runLongRun } from "./memory/long-run.js";
import { runBudgetsBench } from "./memory/run.js";
import type { MicroResult } from "./micro/guard-main.js";
import { runMicroBench } from "./micro/run.js";
import { type RunResults, renderReport } from "./report.js";

/**
 * Runs the benches `argv` asks for; resolves to the process exit code.
 * @example
 * process.exitCode = await main({ buildDir: ".tmp/bench", root: ".", argv: ["--rounds", "9"] });
 */
export async function main(context: {
  buildDir: string;
  root: string;
  argv: readonly string[];
}): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(context.argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const loadAtStart = loadAverage();
  // Before pinning: a pinned process sees one CPU.
  const machine = describeMachine();
  const plan = corePlan();
  pinSelf(plan, plan.loadCore);
  const emulator = await startEmulator();
  const env = createEnv({ buildDir: context.buildDir, options, plan, emulator });
  const load = startChild({ script: env.script("http/load-main.js"), config: {}, core: plan.loadCore, plan });
  const has = (section: BenchOptions["sections"][number]) => options.sections.includes(section);
  let micro: MicroResult | undefined;
  let budgets: BudgetsResult | undefined;
  const http: HttpResult[] = [];
  const longRuns: LongRunResult[] = [];
  const flows: FlowResult[] = [];
  try {
    if (has("micro")) micro = await runMicroBench(env);
    for (const framework of options.frameworks)
      if (has("http")) http.push(await runHttpBench(env, load, framework));
    for (const framework of options.frameworks)
      if (has("memory")) longRuns.push(await runLongRun(env, load, framework));
    if (has("budgets")) budgets = await runBudgetsBench(env);
    for (const framework of options.frameworks)
      if (has("flow")) flows.push(await runFlowBench(env, framework));
  } finally {
    await load.stop();
    await emulator.close();
  }
  const results: RunResults = {
    machine,
    plan,
    options,
    startedAt: new Date(started).toISOString(),
    minutes: (Date.now() - started) / 60_000,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    ...(micro === undefined ? {} : { micro }),
    http,
    longRuns,
    ...(budgets === undefined ? {} : { budgets }),
    flows,
  };
  const report = renderReport(results);
  const out = join(context.root, ".tmp", "bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, "report.md"), `${report}\n`);
  process.stdout.write(`${report}\n\n(raw results: .tmp/bench/results.json)\n`);
  if (options.write) writeResultsBlock(join(context.root, "bench", "RESULTS.md"), report);
  return 0;
}
