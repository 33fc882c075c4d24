/** The machine a run happened on, as RESULTS.md reports it. */
import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";

/**
 * What the run's numbers depend on.
 * @example
 * const machine: Machine = describeMachine(); // { cpus: 2, cpuModel: "AMD EPYC", node: "v20.20.2", ... }
 */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGiB: number;
}

/**
 * Reads `nproc`, the CPU model from `/proc/cpuinfo`, the Node version, the kernel and the memory.
 * @example
 * console.log(describeMachine().cpuModel);
 */
export function describeMachine(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("model name"));
    return line?.split(":")[1]?.trim() || "unknown";
  } catch {
    return "unknown (no /proc/cpuinfo)";
  }
}
