/** The emulator's clock: real time plus an offset that only moves forward. */
export class Clock {
  #offsetMs = 0;

  /** Epoch milliseconds on the emulator's clock. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Moves the clock forward by `ms` (a non-negative finite number). */
  advance(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advanceMs must be a non-negative finite number, got ${String(ms)}`);
    }
    this.#offsetMs += ms;
  }
}

/** Formats epoch ms the way Twilio's JSON does: ISO 8601, whole seconds, `Z`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
