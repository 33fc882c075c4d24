/** Validates {@link LimitsOptions} once into a frozen {@link LimitsConfig}, with the defaults named. */
import {
  describeValue,
  optionalClock,
  optionProblem,
  rejectUnknownKeys,
  secretBytes,
} from "../options/checks.js";
import { BUDGET_SCOPES, type BudgetRule, type BudgetScope, type LimitsOptions } from "./api.js";
import { assertFailClosedRedisClient, type RedisClientLike } from "./redis/client.js";

/**
 * Default send budgets. Per user: Twilio Verify's own limit of 5 sends per number per 10 minutes,
 * enforced across all instances when the store is shared. Per IP: 20, so a shared NAT or office can
 * still serve a few users while one address cannot spray many numbers.
 * @default { session: 5/600s, user: 5/600s, destination: 5/600s, ip: 20/600s }
 * @example
 * DEFAULT_SEND_BUDGETS.user; // { points: 5, durationSeconds: 600 }
 */
export const DEFAULT_SEND_BUDGETS: Readonly<Record<BudgetScope, BudgetRule>> = Object.freeze({
  session: Object.freeze({ points: 5, durationSeconds: 600 }),
  user: Object.freeze({ points: 5, durationSeconds: 600 }),
  destination: Object.freeze({ points: 5, durationSeconds: 600 }),
  ip: Object.freeze({ points: 20, durationSeconds: 600 }),
});

/**
 * Default check budgets: a session gets two Verify SIDs' worth of checks (5 each) per 15 minutes, a
 * user or destination four sessions' worth, an IP fifty checks. The lockout (10 consecutive wrong
 * codes) is the tighter limit on guessing; these stop floods of checks.
 * @default { session: 10/900s, user: 20/900s, destination: 20/900s, ip: 50/900s }
 * @example
 * DEFAULT_CHECK_BUDGETS.session; // { points: 10, durationSeconds: 900 }
 */
export const DEFAULT_CHECK_BUDGETS: Readonly<Record<BudgetScope, BudgetRule>> = Object.freeze({
  session: Object.freeze({ points: 10, durationSeconds: 900 }),
  user: Object.freeze({ points: 20, durationSeconds: 900 }),
  destination: Object.freeze({ points: 20, durationSeconds: 900 }),
  ip: Object.freeze({ points: 50, durationSeconds: 900 }),
});

/**
 * The lockout's defaults: lock at 10 consecutive wrong codes for 15 minutes, doubling per further lock
 * up to 24 hours; count and lock number forgotten 24 hours after the last wrong code or lock end.
 * @default { threshold: 10, baseSeconds: 900, maxSeconds: 86400, forgetAfterSeconds: 86400 }
 * @example
 * DEFAULT_LOCKOUT.threshold; // 10
 */
export const DEFAULT_LOCKOUT: Readonly<LockoutConfig> = Object.freeze({
  threshold: 10,
  baseSeconds: 900,
  maxSeconds: 86_400,
  forgetAfterSeconds: 86_400,
});

/**
 * Default cap on never-evicted entries (failure counts, locks, single-use markers) in memory.
 * @default 100000
 * @example
 * createLimits({ secret, memoryMaxEntries: DEFAULT_MEMORY_MAX_ENTRIES * 2 });
 */
export const DEFAULT_MEMORY_MAX_ENTRIES = 100_000;

/** NIST SP 800-63B-4 allows at most 100 consecutive failed attempts. */
const MAX_THRESHOLD = 100;
const MAX_WINDOW_SECONDS = 30 * 86_400;

/**
 * The lockout rule, resolved.
 * @example
 * const rule: LockoutConfig = { threshold: 10, baseSeconds: 900, maxSeconds: 86400, forgetAfterSeconds: 86400 };
 */
export interface LockoutConfig {
  readonly threshold: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly forgetAfterSeconds: number;
}

/**
 * The validated Redis store: one ioredis client, checked to fail closed.
 * @example
 * const store: RedisStoreConfig = { kind: "redis", client: redis };
 */
export interface RedisStoreConfig {
  readonly kind: "redis";
  readonly client: RedisClientLike;
}

/**
 * {@link LimitsOptions} after validation, with every default filled in.
 * @example
 * const config = parseLimitsOptions({ secret });
 * config.sends.user.points; // 5
 */
export interface LimitsConfig {
  /** A private copy of the secret's bytes. */
  readonly secret: Uint8Array;
  /** `"memory"` (one process) or the shared Redis store. */
  readonly store: "memory" | RedisStoreConfig;
  readonly keyPrefix: string;
  readonly now: () => number;
  readonly sends: Readonly<Record<BudgetScope, Readonly<BudgetRule>>>;
  readonly checks: Readonly<Record<BudgetScope, Readonly<BudgetRule>>>;
  readonly lockout: LockoutConfig;
  readonly memoryMaxEntries: number;
}

const OPTION_KEYS = [
  "secret",
  "store",
  "keyPrefix",
  "now",
  "sends",
  "checks",
  "lockout",
  "memoryMaxEntries",
] as const;
const LOCKOUT_KEYS = ["threshold", "baseSeconds", "maxSeconds", "forgetAfterSeconds"] as const;
const RULE_KEYS = ["points", "durationSeconds"] as const;

/**
 * Validates the options once. Every problem is an `ERR_SF_INVALID_OPTION` whose message names the
 * option, shows the bad value (never the secret's) and says how to fix it. The caller's object is not
 * kept or changed.
 * @param optionPath - how the caller names this object in its own options, e.g. `"limits"`.
 * @default optionPath "limits"
 * @example
 * const config = parseLimitsOptions({ secret, sends: { ip: { points: 50, durationSeconds: 600 } } });
 */
export function parseLimitsOptions(options: LimitsOptions, optionPath = "limits"): LimitsConfig {
  const name = (key: string): string => (optionPath === "" ? key : `${optionPath}.${key}`);
  const record = requireRecord(options, optionPath || "options", "an object such as `{ secret }`");
  rejectUnknownKeys(record, OPTION_KEYS, `${optionPath || "options"}.`);

  const lockout = parseLockout(record.lockout, name("lockout"));
  const store = parseStore(record.store, name("store"));
  if (store !== "memory" && record.memoryMaxEntries !== undefined) {
    throw optionProblem(
      name("memoryMaxEntries"),
      "only applies to the memory store, and `store` is Redis",
      "remove it; size Redis with `maxmemory` and `maxmemory-policy noeviction` instead",
    );
  }
  return Object.freeze({
    secret: secretBytes(record.secret, name("secret")),
    store,
    keyPrefix: parseKeyPrefix(record.keyPrefix, name("keyPrefix")),
    now: parseLimitsClock(record.now, name("now")),
    sends: parseBudgets(record.sends, name("sends"), DEFAULT_SEND_BUDGETS),
    checks: parseBudgets(record.checks, name("checks"), DEFAULT_CHECK_BUDGETS),
    lockout,
    memoryMaxEntries:
      record.memoryMaxEntries === undefined
        ? DEFAULT_MEMORY_MAX_ENTRIES
        : requireInteger(record.memoryMaxEntries, name("memoryMaxEntries"), 1, 100_000_000),
  });
}

function parseStore(value: unknown, name: string): "memory" | RedisStoreConfig {
  if (value === undefined || value === "memory") return "memory";
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const store = value as Record<string, unknown>;
    rejectUnknownKeys(store, ["kind", "client"], `${name}.`);
    if (store.kind === "redis") {
      assertFailClosedRedisClient(store.client, `${name}.client`);
      return Object.freeze({ kind: "redis", client: store.client });
    }
  }
  throw optionProblem(
    name,
    `must be "memory" or { kind: "redis", client } (got ${describeValue(value)})`,
    'use `"memory"` for one instance, or `{ kind: "redis", client: new Redis(url, { ...FAIL_CLOSED_REDIS_OPTIONS }) }`',
  );
}

function parseKeyPrefix(value: unknown, name: string): string {
  if (value === undefined) return "sf";
  if (typeof value !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw optionProblem(
      name,
      `must be 1 to 64 characters of letters, digits, "_", ".", ":" or "-" (got ${describeValue(value)})`,
      'use e.g. "sf" or "myapp:sf"',
    );
  }
  return value;
}

function parseBudgets(
  value: unknown,
  name: string,
  defaults: Readonly<Record<BudgetScope, BudgetRule>>,
): Readonly<Record<BudgetScope, Readonly<BudgetRule>>> {
  if (value === undefined) return defaults;
  const record = requireRecord(value, name, `an object with some of ${BUDGET_SCOPES.join(", ")}`);
  rejectUnknownKeys(record, BUDGET_SCOPES, `${name}.`);
  const rules = { ...defaults };
  for (const scope of BUDGET_SCOPES) {
    const rule = record[scope];
    if (rule === undefined) continue;
    const ruleName = `${name}.${scope}`;
    const fields = requireRecord(rule, ruleName, "`{ points, durationSeconds }`");
    rejectUnknownKeys(fields, RULE_KEYS, `${ruleName}.`);
    rules[scope] = Object.freeze({
      points: requireInteger(fields.points, `${ruleName}.points`, 1, 1_000_000),
      durationSeconds: requireInteger(
        fields.durationSeconds,
        `${ruleName}.durationSeconds`,
        1,
        MAX_WINDOW_SECONDS,
      ),
    });
  }
  return Object.freeze(rules);
}

function parseLockout(value: unknown, name: string): LockoutConfig {
  if (value === undefined) return DEFAULT_LOCKOUT;
  const record = requireRecord(value, name, "`{ threshold, baseSeconds, maxSeconds, forgetAfterSeconds }`");
  rejectUnknownKeys(record, LOCKOUT_KEYS, `${name}.`);
  const pick = (key: (typeof LOCKOUT_KEYS)[number], min: number, max: number): number =>
    record[key] === undefined
      ? DEFAULT_LOCKOUT[key]
      : requireInteger(record[key], `${name}.${key}`, min, max);
  const threshold = pick("threshold", 1, MAX_THRESHOLD);
  const baseSeconds = pick("baseSeconds", 1, MAX_WINDOW_SECONDS);
  const maxSeconds = pick("maxSeconds", 1, MAX_WINDOW_SECONDS);
  if (maxSeconds < baseSeconds) {
    throw optionProblem(
      `${name}.maxSeconds`,
      `must be at least baseSeconds (${baseSeconds}) (got ${maxSeconds})`,
      "raise maxSeconds or lower baseSeconds",
    );
  }
  const forgetAfterSeconds =
    record.forgetAfterSeconds === undefined
      ? Math.max(DEFAULT_LOCKOUT.forgetAfterSeconds, maxSeconds)
      : requireInteger(record.forgetAfterSeconds, `${name}.forgetAfterSeconds`, 1, 10 * MAX_WINDOW_SECONDS);
  if (forgetAfterSeconds < maxSeconds) {
    // Forgetting sooner than the longest lock would let an attacker trade waiting for guesses.
    throw optionProblem(
      `${name}.forgetAfterSeconds`,
      `must be at least maxSeconds (${maxSeconds}) (got ${forgetAfterSeconds}), or waiting would reset the lockout`,
      "raise forgetAfterSeconds",
    );
  }
  return Object.freeze({ threshold, baseSeconds, maxSeconds, forgetAfterSeconds });
}

function requireRecord(value: unknown, name: string, expected: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw optionProblem(name, `must be ${expected} (got ${describeValue(value)})`, `pass ${expected}`);
  }
  return value as Record<string, unknown>;
}

function requireInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw optionProblem(
      name,
      `must be an integer from ${min} to ${max} (got ${describeValue(value)})`,
      `pass e.g. ${min}`,
    );
  }
  return value;
}

function parseLimitsClock(value: unknown, name: string): () => number {
  return optionalClock(value, name) ?? Date.now;
}
