import { EmulatorError } from "./emulator-error.js";

/** The last instant a JavaScript Date can hold (ECMA-262: 8.64e15 ms after the epoch). */
const MAX_DATE_MS = 8.64e15;
// Dates the emulator derives from now (expiry, send windows, pruning) lie up to a day ahead.
const HEADROOM_MS = 24 * 60 * 60 * 1000;

/** The emulator's clock: real time plus an offset that only moves forward. */
export class Clock {
  #offsetMs = 0;

  /** Epoch milliseconds on the emulator's clock. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /**
   * Moves the clock forward by `ms`: a non-negative finite number that keeps the clock a valid Date.
   * @throws EmulatorError `ERR_SF_INVALID_OPTION` otherwise (the clock is left as it was).
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new EmulatorError(
        "ERR_SF_INVALID_OPTION",
        `advanceMs must be a non-negative finite number of milliseconds; got ${String(ms)}`,
      );
    }
    const latest = MAX_DATE_MS - HEADROOM_MS - this.now();
    if (ms > latest) {
      throw new EmulatorError(
        "ERR_SF_INVALID_OPTION",
        `advanceMs ${String(ms)} would move the clock past the last valid date; at most ${Math.floor(latest)} ms now`,
      );
    }
    this.#offsetMs += ms;
  }
}

/** Formats epoch ms the way Twilio's JSON does: ISO 8601, whole seconds, `Z`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
