/** What `/proc` (Linux) says of the machine and of a process: the run's context and the server's RSS. */
import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";

/** What the run's numbers depend on. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGiB: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** `nproc`, the CPU model, the Node version, the kernel and the memory (call before pinning). */
export function describeMachine(): Machine {
  const model = read("/proc/cpuinfo")
    ?.split("\n")
    .find((line) => line.startsWith("model name"))
    ?.split(":")[1]
    ?.trim();
  return {
    cpus: availableParallelism(),
    cpuModel: model || "unknown",
    node: process.version,
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The 1-minute load average, or `NaN` without `/proc/loadavg`. */
export function loadAverage(): number {
  return Number(read("/proc/loadavg")?.split(" ")[0] ?? Number.NaN);
}

/** The RSS of `pid` and its peak so far (`VmHWM`), in bytes, from `/proc/<pid>/status`. */
export function residentMemory(pid: number): { rss: number; peak: number } {
  const status = read(`/proc/${pid}/status`) ?? "";
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
  };
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}
