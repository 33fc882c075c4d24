/** The runner's command-line options: parsed once, unknown or bad values refused with the fix. */

/** The parts of a run that can be chosen with `--only`. */
export const SECTIONS = ["micro", "http", "memory", "flow"] as const;
/** The frameworks under test (Express 5, Koa 3). */
export const FRAMEWORKS = ["express", "koa"] as const;
export type Section = (typeof SECTIONS)[number];
export type Framework = (typeof FRAMEWORKS)[number];

/** The runner's settings, every default filled in. */
export interface BenchOptions {
  /** Side-by-side rounds, even (the two processes swap routes every round); the rest as in `USAGE`. */
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly longRequests: number;
  readonly flowSeconds: number;
  readonly flowConcurrency: number;
  readonly microCalls: number;
  readonly sections: readonly Section[];
  readonly frameworks: readonly Framework[];
  /** Run the servers and the micro-benchmark under `--cpu-prof` (profiles in `.tmp/bench/profiles`). */
  readonly cpuProf: boolean;
}

const DEFAULTS: BenchOptions = {
  rounds: 12,
  seconds: 3,
  warmupSeconds: 2,
  connections: 50,
  longRequests: 200_000,
  flowSeconds: 10,
  flowConcurrency: 4,
  microCalls: 1_000_000,
  sections: SECTIONS,
  frameworks: FRAMEWORKS,
  cpuProf: false,
};

const NUMBERS = {
  "--rounds": { key: "rounds", min: 2, max: 1000, text: "side-by-side rounds, even" },
  "--seconds": { key: "seconds", min: 1, max: 600, text: "seconds of load per pair per round" },
  "--warmup": { key: "warmupSeconds", min: 0, max: 600, text: "seconds of warm-up load per route" },
  "--connections": { key: "connections", min: 2, max: 1000, text: "concurrent connections" },
  "--long-requests": { key: "longRequests", min: 1000, max: 1e8, text: "requests of the long run (RSS)" },
  "--flow-seconds": { key: "flowSeconds", min: 1, max: 3600, text: "seconds of the flow bench" },
  "--flow-concurrency": { key: "flowConcurrency", min: 1, max: 256, text: "users walking the flow at once" },
  "--micro-calls": { key: "microCalls", min: 1000, max: 1e9, text: "calls per batch of the micro-bench" },
} as const satisfies Record<string, { key: keyof BenchOptions; min: number; max: number; text: string }>;

/** The usage text `--help` prints. */
export const USAGE = [
  "npm run bench -- [options]",
  "",
  ...Object.entries(NUMBERS).map(
    ([flag, { key, text }]) => `  ${`${flag} N`.padEnd(22)}${text} (default ${DEFAULTS[key]})`,
  ),
  `  ${"--only LIST".padEnd(22)}comma-separated parts: ${SECTIONS.join(",")} (default all)`,
  `  ${"--frameworks LIST".padEnd(22)}comma-separated: ${FRAMEWORKS.join(",")} (default both)`,
  `  ${"--cpu-prof".padEnd(22)}profile the servers and the micro-bench (.tmp/bench/profiles)`,
  `  ${"--help".padEnd(22)}this text`,
].join("\n");

/**
 * Parses the runner's arguments; `undefined` means `--help` was asked for.
 * @throws Error naming the flag, the bad value and what is accepted.
 */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const options: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...DEFAULTS };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index] ?? "";
    if (flag === "--help" || flag === "-h") return undefined;
    if (flag === "--cpu-prof") {
      options.cpuProf = true;
      continue;
    }
    const value = argv[++index];
    if (value === undefined)
      throw new Error(`bench: ${flag} needs a value. Run with --help for the options.`);
    if (flag in NUMBERS) {
      const { key, min, max } = NUMBERS[flag as keyof typeof NUMBERS];
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || parsed < min || parsed > max)
        throw new Error(
          `bench: ${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`,
        );
      options[key] = parsed;
    } else if (flag === "--only") {
      options.sections = list(flag, value, SECTIONS);
    } else if (flag === "--frameworks") {
      options.frameworks = list(flag, value, FRAMEWORKS);
    } else {
      throw new Error(`bench: unknown option ${JSON.stringify(flag)}. Run with --help for the options.`);
    }
  }
  if (options.rounds % 2 !== 0)
    throw new Error(
      `bench: --rounds must be even (two swapped rounds make one value), got ${options.rounds}.`,
    );
  return options;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const chosen = [...new Set(value.split(",").map((item) => item.trim()))];
  const wrong = chosen.find((item) => !allowed.includes(item as T));
  if (wrong !== undefined)
    throw new Error(
      `bench: ${flag} accepts ${allowed.join(", ")} (comma-separated), got ${JSON.stringify(wrong)}.`,
    );
  return chosen as T[];
}
