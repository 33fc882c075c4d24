/** What every part of a run shares: where the built scripts are, the core plan, the emulator, the users. */
import { join } from "node:path";
import type { VerifyEmulator } from "../../testing/index.js";
import type { CorePlan } from "./child.js";
import type { BenchOptions } from "./options.js";

/**
 * The shared state of one run.
 * @example
 * const server = startChild({ script: env.script("http/server-main.js"), config, core: env.plan.serverCore, plan: env.plan });
 */
export interface BenchEnv {
  readonly options: BenchOptions;
  readonly plan: CorePlan;
  readonly emulator: VerifyEmulator;
  /** The path of a built script, relative to the build directory. */
  script(relative: string): string;
  /** A user number no other part of the run has used (each has its own phone number). */
  nextUser(): number;
  /** Progress for the person running the bench (stderr). */
  log(line: string): void;
  /** Node flags for processes whose hot path is measured (`--cpu-prof` when asked for). */
  readonly profileFlags: readonly string[];
}

/**
 * Makes the shared state of a run.
 * @example
 * const env = createEnv({ buildDir, options, plan, emulator });
 */
export function createEnv(parts: {
  buildDir: string;
  options: BenchOptions;
  plan: CorePlan;
  emulator: VerifyEmulator;
}): BenchEnv {
  let user = 0;
  return {
    options: parts.options,
    plan: parts.plan,
    emulator: parts.emulator,
    script: (relative) => join(parts.buildDir, relative),
    nextUser: () => ++user,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
    profileFlags: parts.options.cpuProf
      ? ["--cpu-prof", `--cpu-prof-dir=${join(parts.buildDir, "profiles")}`]
      : [],
  };
}
