/** What every part of a run shares: the options, the core plan, the emulator, the built scripts, the users. */
import { join } from "node:path";
import type { VerifyEmulator } from "../../testing/index.js";
import type { BenchOptions } from "../options.js";
import { type ChildHandle, type CorePlan, startChild } from "./processes.js";

/** The shared state of one run. */
export interface BenchEnv {
  readonly options: BenchOptions;
  readonly plan: CorePlan;
  readonly emulator: VerifyEmulator;
  /** Starts a built script (path relative to the build directory) pinned to `core`. */
  start(script: string, config: unknown, core: number, nodeFlags?: readonly string[]): ChildHandle;
  /** A user number no other part of the run has used (each has its own phone number). */
  nextUser(): number;
  /** Progress for the person running the bench (stderr). */
  log(line: string): void;
}

/** Makes the shared state of a run; processes whose hot path is measured get `--cpu-prof` when asked. */
export function createEnv(
  parts: Pick<BenchEnv, "options" | "plan" | "emulator"> & { buildDir: string },
): BenchEnv {
  let user = 0;
  const profile = parts.options.cpuProf
    ? ["--cpu-prof", `--cpu-prof-dir=${join(parts.buildDir, "profiles")}`]
    : [];
  return {
    options: parts.options,
    plan: parts.plan,
    emulator: parts.emulator,
    start: (script, config, core, nodeFlags = profile) =>
      startChild({ script: join(parts.buildDir, script), config, core, plan: parts.plan, nodeFlags }),
    nextUser: () => ++user,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
}
