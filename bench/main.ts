/**
 * The bench runner (`npm run bench`): the guard micro-benchmark, the HTTP ratios side by side, the
 * RSS of a long run and the flow bench. Prints the Markdown report and keeps it, with the raw
 * results, in `.tmp/bench/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator } from "../testing/index.js";
import { type FlowResult, runFlowBench } from "./flow.js";
import { measureSideBySide, type SideBySideResult } from "./http/side-by-side.js";
import { createEnv } from "./lib/env.js";
import { describeMachine, loadAverage } from "./lib/machine.js";
import { corePlan, pinSelf } from "./lib/processes.js";
import { type LongRunResult, runLongRun } from "./long-run.js";
import type { MicroResult } from "./micro/guard-main.js";
import { type BenchOptions, parseOptions, USAGE } from "./options.js";
import { type RunResults, renderReport } from "./report.js";

/** Runs the benches `argv` asks for; resolves to the process exit code. */
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
  const machine = describeMachine(); // before pinning: a pinned process sees one CPU
  const plan = corePlan();
  pinSelf(plan, plan.loadCore);
  const emulator = await startEmulator();
  const env = createEnv({ buildDir: context.buildDir, options, plan, emulator });
  const load = env.start("http/load-main.js", {}, plan.loadCore, []);
  const has = (section: BenchOptions["sections"][number]) => options.sections.includes(section);
  let micro: MicroResult | undefined;
  const http: SideBySideResult[] = [];
  const longRuns: LongRunResult[] = [];
  const flows: FlowResult[] = [];
  try {
    if (has("micro")) {
      const child = env.start("micro/guard-main.js", {}, plan.serverCore);
      env.log(`micro: ${options.microCalls} calls per batch`);
      try {
        micro = await child.request<MicroResult>("run", {
          calls: options.microCalls,
          frameworks: options.frameworks,
        });
      } finally {
        await child.stop();
      }
    }
    for (const framework of options.frameworks) {
      if (has("http")) http.push(await measureSideBySide(env, load, framework));
      if (has("memory")) longRuns.push(await runLongRun(env, load, framework));
      if (has("flow")) flows.push(await runFlowBench(env, framework));
    }
  } finally {
    await load.stop();
    await emulator.close();
  }
  const results: RunResults = {
    machine,
    options,
    startedAt: new Date(started).toISOString(),
    minutes: (Date.now() - started) / 60_000,
    loadAverage: [loadAtStart, loadAverage()],
    pinned: plan.pinned,
    ...(micro === undefined ? {} : { micro }),
    http,
    longRuns,
    flows,
  };
  const report = renderReport(results);
  const out = join(context.root, ".tmp", "bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, "report.md"), `${report}\n`);
  process.stdout.write(
    `${report}\n\n(report and raw results: .tmp/bench/report.md, .tmp/bench/results.json)\n`,
  );
  return 0;
}
