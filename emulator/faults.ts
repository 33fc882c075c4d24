import { normalizeFilterTo } from "./recipients.js";
import { defaultCodeForStatus, statusForCode, twilioError } from "./twilio-errors.js";
import type { EmulatorFault, EmulatorFaultPath } from "./types.js";

const PATHS: readonly EmulatorFaultPath[] = [
  "Verifications",
  "VerificationCheck",
  "VerificationUpdate",
  "VerificationFetch",
];
const KEYS = new Set(["path", "status", "code", "message", "delayMs", "times", "to"]);
const MAX_DELAY_MS = 10 * 60 * 1000;

/** A validated fault; `error` is absent for a delay-only fault. */
export interface ActiveFault {
  path: EmulatorFaultPath;
  error?: { status: number; code: number; message?: string };
  delayMs: number;
  /** Matching requests left. */
  remaining: number;
  /** Normalised destination filter. */
  to?: string;
}

/** Bad fault input; the message says which field and why. */
export class FaultInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultInputError";
  }
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Validates a fault from the control API or `addFault`; throws {@link FaultInputError}. */
export function parseFault(input: unknown): ActiveFault {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new FaultInputError("A fault must be an object");
  }
  const fault = input as Record<string, unknown>;
  for (const key of Object.keys(fault)) {
    if (!KEYS.has(key))
      throw new FaultInputError(`Unknown fault field "${key}"; allowed: ${[...KEYS].join(", ")}`);
  }
  const { path, status, code, message, delayMs, times, to } = fault as Partial<
    Record<keyof EmulatorFault, unknown>
  >;
  if (typeof path !== "string" || !PATHS.includes(path as EmulatorFaultPath)) {
    throw new FaultInputError(`"path" must be one of ${PATHS.join(", ")}; got ${JSON.stringify(path)}`);
  }
  if (status !== undefined && !isInt(status, 400, 599)) {
    throw new FaultInputError(`"status" must be an integer from 400 to 599; got ${JSON.stringify(status)}`);
  }
  if (code !== undefined && !isInt(code, 1, 99_999)) {
    throw new FaultInputError(
      `"code" must be a positive integer (a Twilio error code); got ${JSON.stringify(code)}`,
    );
  }
  if (message !== undefined && (typeof message !== "string" || message.length > 500)) {
    throw new FaultInputError(`"message" must be a string of at most 500 characters`);
  }
  if (delayMs !== undefined && !isInt(delayMs, 0, MAX_DELAY_MS)) {
    throw new FaultInputError(
      `"delayMs" must be an integer from 0 to ${MAX_DELAY_MS}; got ${JSON.stringify(delayMs)}`,
    );
  }
  if (times !== undefined && !isInt(times, 1, 10_000)) {
    throw new FaultInputError(`"times" must be an integer from 1 to 10000; got ${JSON.stringify(times)}`);
  }
  if (to !== undefined && (typeof to !== "string" || to.trim() === "")) {
    throw new FaultInputError(`"to" must be a non-empty string`);
  }
  const active: ActiveFault = {
    path: path as EmulatorFaultPath,
    delayMs: delayMs ?? 0,
    remaining: times ?? 1,
  };
  if (to !== undefined) active.to = normalizeFilterTo(to);
  if (status !== undefined || code !== undefined) {
    const finalStatus = status ?? (code === undefined ? undefined : statusForCode(code));
    if (finalStatus === undefined) {
      throw new FaultInputError(
        `The emulator does not know the HTTP status of code ${String(code)}: give "status" too`,
      );
    }
    const finalCode = code ?? defaultCodeForStatus(finalStatus);
    if (finalCode === undefined) {
      throw new FaultInputError(`There is no default code for status ${finalStatus}: give "code" too`);
    }
    active.error = { status: finalStatus, code: finalCode };
    if (message !== undefined) active.error.message = message;
  } else if (delayMs === undefined) {
    throw new FaultInputError(`A fault needs "status", "code" or "delayMs"`);
  }
  return active;
}

/** The public view of an active fault (as `GET /control/faults` lists it). */
export function describeFault(fault: ActiveFault): EmulatorFault {
  const out: EmulatorFault = { path: fault.path, delayMs: fault.delayMs, times: fault.remaining };
  if (fault.error) {
    out.status = fault.error.status;
    out.code = fault.error.code;
    out.message =
      fault.error.message ?? twilioError(fault.error.code, { status: fault.error.status }).message;
  }
  if (fault.to !== undefined) out.to = fault.to;
  return out;
}

/** Faults in the order they were added; the first match is used. */
export class FaultList {
  #faults: ActiveFault[] = [];

  /** Appends a validated fault. */
  add(fault: ActiveFault): void {
    this.#faults.push(fault);
  }

  /** Drops every fault. */
  clear(): void {
    this.#faults = [];
  }

  /** The faults still active, oldest first. */
  list(): ActiveFault[] {
    return [...this.#faults];
  }

  /** Consumes one use of the first fault matching `path` (and `to`, when the fault names one). */
  take(path: EmulatorFaultPath, to: string | undefined): ActiveFault | undefined {
    const index = this.#faults.findIndex((f) => f.path === path && (f.to === undefined || f.to === to));
    const fault = this.#faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }
}
