/** The runner's command-line options: parsed once, unknown or bad values refused with the fix. */

/** The parts of a run that can be chosen with `--only`. */
export const SECTIONS = ["micro", "http", "memory", "budgets", "flow"] as const;

/** One part of a run. */
export type Section = (typeof SECTIONS)[number];

/** The frameworks the HTTP, memory and flow benches run on. */
export const FRAMEWORKS = ["express", "koa"] as const;

/** A framework under test (Express 5, Koa 3). */
export type Framework = (typeof FRAMEWORKS)[number];

/**
 * The runner's settings, with every default filled in.
 * @example
 * const options = parseOptions(["--rounds", "9"]);
 */
export interface BenchOptions {
  /** Interleaved rounds of the HTTP bench (at least 3). @default 20 */
  readonly rounds: number;
  /** Seconds of load per target per round (whole seconds: autocannon reports per second). @default 1 */
  readonly seconds: number;
  /** Interleaved rounds of the in-situ timing (one `seconds` of load per route per round). @default 5 */
  readonly situRounds: number;
  /**
   * Rounds of the side-by-side measurement (an even number: the two processes swap routes every
   * round, and two swapped rounds make one value). @default 12
   */
  readonly sideRounds: number;
  /** Seconds of load per pair per round of the side-by-side measurement. @default 3 */
  readonly sideSeconds: number;
  /** Seconds of warm-up load per target before the first round. @default 2 */
  readonly warmupSeconds: number;
  /** Concurrent connections of the load generator (enough to keep one server core busy). @default 50 */
  readonly connections: number;
  /**
   * A measurement during which other processes took more than this share of the machine (all
   * cores) is taken again, up to `retries` times; the quietest attempt is kept. @default 0.1
   */
  readonly maxForeign: number;
  /** How many times a noisy measurement is taken again. @default 1 */
  readonly retries: number;
  /** Requests in the long run of (3) that memory growth is judged on. @default 200000 */
  readonly longRequests: number;
  /** Seconds of the flow bench per framework. @default 10 */
  readonly flowSeconds: number;
  /** Users walking the flow at once. @default 4 */
  readonly flowConcurrency: number;
  /** Calls per timed batch of the micro-benchmark. @default 1000000 */
  readonly microCalls: number;
  /** Distinct users (and IPs) pushed through the budgets. @default 100000 */
  readonly budgetKeys: number;
  /** The parts to run. @default all */
  readonly sections: readonly Section[];
  readonly frameworks: readonly Framework[];
  /** Rewrite the measured block of `bench/RESULTS.md`. @default false */
  readonly write: boolean;
  /** Run the servers and the micro-benchmark under `--cpu-prof` (profiles in `.tmp/bench/profiles`). @default false */
  readonly cpuProf: boolean;
}

/** The defaults of {@link BenchOptions}: a full run in about 20 minutes on two cores. */
export const DEFAULT_OPTIONS: BenchOptions = Object.freeze({
  rounds: 20,
  situRounds: 5,
  sideRounds: 12,
  sideSeconds: 3,
  seconds: 1,
  warmupSeconds: 2,
  connections: 50,
  maxForeign: 0.1,
  retries: 1,
  longRequests: 200_000,
  flowSeconds: 10,
  flowConcurrency: 4,
  microCalls: 1_000_000,
  budgetKeys: 100_000,
  sections: SECTIONS,
  frameworks: FRAMEWORKS,
  write: false,
  cpuProf: false,
});

/** The usage text `--help` prints. */
export const USAGE = `npm run bench -- [options]

  --rounds N            interleaved rounds of the HTTP bench, >= 3        (default ${DEFAULT_OPTIONS.rounds})
  --seconds S           seconds of load per target per round              (default ${DEFAULT_OPTIONS.seconds})
  --situ-rounds N       rounds of the in-situ timing of the HTTP bench     (default ${DEFAULT_OPTIONS.situRounds})
  --side-rounds N       rounds of the side-by-side measurement, even     (default ${DEFAULT_OPTIONS.sideRounds})
  --side-seconds S      seconds of load per pair per side-by-side round   (default ${DEFAULT_OPTIONS.sideSeconds})
  --warmup S            seconds of warm-up load per target                 (default ${DEFAULT_OPTIONS.warmupSeconds})
  --connections N       concurrent connections of the load generator       (default ${DEFAULT_OPTIONS.connections})
  --max-foreign F       retake a measurement when other processes took more than F of the machine (default ${DEFAULT_OPTIONS.maxForeign})
  --retries N           how many times at most                             (default ${DEFAULT_OPTIONS.retries})
  --long-requests N     requests in the long run of (3) for memory         (default ${DEFAULT_OPTIONS.longRequests})
  --flow-seconds S      seconds of the flow bench per framework            (default ${DEFAULT_OPTIONS.flowSeconds})
  --flow-concurrency N  users walking the flow at once                     (default ${DEFAULT_OPTIONS.flowConcurrency})
  --micro-calls N       calls per timed batch of the guard micro-bench     (default ${DEFAULT_OPTIONS.microCalls})
  --budget-keys N       distinct users and IPs pushed through the budgets  (default ${DEFAULT_OPTIONS.budgetKeys})
  --only LIST           comma-separated parts: ${SECTIONS.join(",")}  (default all)
  --frameworks LIST     comma-separated: ${FRAMEWORKS.join(",")}                 (default both)
  --write               rewrite the measured block of bench/RESULTS.md
  --cpu-prof            profile the servers and the micro-bench (.tmp/bench/profiles/*.cpuprofile)
  --help                this text`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const INTEGER_FLAGS = {
  "--rounds": { key: "rounds", min: 3, max: 1000 },
  "--situ-rounds": { key: "situRounds", min: 1, max: 1000 },
  "--side-rounds": { key: "sideRounds", min: 2, max: 1000 },
  "--side-seconds": { key: "sideSeconds", min: 1, max: 600 },
  "--seconds": { key: "seconds", min: 1, max: 600 },
  "--warmup": { key: "warmupSeconds", min: 0, max: 600 },
  "--connections": { key: "connections", min: 1, max: 1000 },
  "--retries": { key: "retries", min: 0, max: 20 },
  "--long-requests": { key: "longRequests", min: 1000, max: 100_000_000 },
  "--flow-seconds": { key: "flowSeconds", min: 1, max: 3600 },
  "--flow-concurrency": { key: "flowConcurrency", min: 1, max: 256 },
  "--micro-calls": { key: "microCalls", min: 1000, max: 1_000_000_000 },
  "--budget-keys": { key: "budgetKeys", min: 100, max: 10_000_000 },
} as const satisfies Record<string, { key: keyof BenchOptions; min: number; max: number }>;

/**
 * Parses the runner's arguments; `undefined` means `--help` was asked for.
 * @throws Error naming the flag, the bad value and what is accepted.
 * @example
 * const options = parseOptions(process.argv.slice(2)) ?? DEFAULT_OPTIONS;
 */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const options: Mutable<BenchOptions> = { ...DEFAULT_OPTIONS };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index] ?? "";
    if (flag === "--help" || flag === "-h") return undefined;
    if (flag === "--write" || flag === "--cpu-prof") {
      options[flag === "--write" ? "write" : "cpuProf"] = true;
      continue;
    }
    const value = argv[index + 1];
    if (value === undefined)
      throw new Error(`bench: ${flag} needs a value. Run with --help for the options.`);
    index++;
    if (flag in INTEGER_FLAGS) {
      const { key, min, max } = INTEGER_FLAGS[flag as keyof typeof INTEGER_FLAGS];
      options[key] = integer(flag, value, min, max);
    } else if (flag === "--max-foreign") {
      options.maxForeign = fraction(flag, value);
    } else if (flag === "--only") {
      options.sections = list(flag, value, SECTIONS);
    } else if (flag === "--frameworks") {
      options.frameworks = list(flag, value, FRAMEWORKS);
    } else {
      throw new Error(`bench: unknown option ${JSON.stringify(flag)}. Run with --help for the options.`);
    }
  }
  if (options.sideRounds % 2 !== 0) {
    throw new Error(
      `bench: --side-rounds must be even (two swapped rounds make one value), got ${options.sideRounds}.`,
    );
  }
  return options;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(
      `bench: ${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`,
    );
  }
  return parsed;
}

function fraction(flag: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed <= 0 || parsed > 1) {
    throw new Error(`bench: ${flag} must be a number above 0 and at most 1, got ${JSON.stringify(value)}.`);
  }
  return parsed;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").map((item) => item.trim());
  const chosen: T[] = [];
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new Error(
        `bench: ${flag} accepts ${allowed.join(", ")} (comma-separated), got ${JSON.stringify(item)}.`,
      );
    }
    if (!chosen.includes(item as T)) chosen.push(item as T);
  }
  return chosen;
}
