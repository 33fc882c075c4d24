/** Reads a process's memory and the machine's load from `/proc` (Linux), without touching the process. */
import { readFileSync } from "node:fs";

/**
 * Resident set size and its peak so far, in bytes.
 * @example
 * const { rss, peak } = residentMemory(server.pid);
 */
export interface ResidentMemory {
  readonly rss: number;
  /** `VmHWM`: the highest RSS since the process started. */
  readonly peak: number;
}

/**
 * The RSS and peak RSS of `pid` from `/proc/<pid>/status`; `undefined` where there is no `/proc`.
 * @example
 * const memory = residentMemory(child.pid);
 */
export function residentMemory(pid: number): ResidentMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
    };
    return { rss: field("VmRSS"), peak: field("VmHWM") };
  } catch {
    return undefined;
  }
}

/**
 * The 1-minute load average, or `undefined` without `/proc/loadavg`.
 * @example
 * const before = loadAverage();
 */
export function loadAverage(): number | undefined {
  try {
    const first = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    return first === undefined ? undefined : Number(first);
  } catch {
    return undefined;
  }
}

/** Linux reports `/proc/stat` in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time the whole machine spent busy (all cores, every process), in µs; `undefined` without
 * `/proc/stat`. The difference over a measurement, minus the bench's own processes, is what other
 * processes took.
 * @example
 * const before = machineBusyMicros();
 */
export function machineBusyMicros(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return undefined;
  }
}
