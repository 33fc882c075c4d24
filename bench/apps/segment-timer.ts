/**
 * In-situ timing: the time from the moment the session middleware hands a request on to the moment
 * the route's handler starts, measured inside the server on real HTTP requests. On a verified session
 * that segment is everything second-factor adds to a request before the handler (the layers it mounts
 * and the guard), with caches as cold as a busy server leaves them, which a loop cannot show. Off
 * (one boolean read per request) unless the runner switches it on.
 */
import { performance } from "node:perf_hooks";

/** The most samples kept per path (8 MiB each). */
const CAPACITY = 1 << 20;

/** Where a request's stamp is kept while it is on its way from the session middleware to the handler. */
const STAMP: unique symbol = Symbol("bench segment stamp");

type Stamped = { [STAMP]?: number };

/**
 * One path's segment times.
 * @example
 * const { medianNs } = report["/account"];
 */
export interface SegmentStats {
  readonly count: number;
  readonly p10Ns: number;
  readonly medianNs: number;
  readonly p90Ns: number;
}

class SegmentTimer {
  #on = false;
  readonly #samples = new Map<string, { values: Float64Array; count: number }>();

  /** Called right after the session middleware: remembers when this request got there. */
  stamp(native: object): void {
    if (this.#on) (native as Stamped)[STAMP] = performance.now();
  }

  /** Called first thing in the handler of `path`. */
  record(native: object, path: string): void {
    if (!this.#on) return;
    const stamped = (native as Stamped)[STAMP];
    if (stamped === undefined) return;
    const elapsedNs = (performance.now() - stamped) * 1e6;
    let entry = this.#samples.get(path);
    if (entry === undefined) {
      entry = { values: new Float64Array(CAPACITY), count: 0 };
      this.#samples.set(path, entry);
    }
    if (entry.count < CAPACITY) entry.values[entry.count++] = elapsedNs;
  }

  start(): void {
    this.#samples.clear();
    this.#on = true;
  }

  /** Switches timing off and returns the statistics of every path seen. */
  stop(): Record<string, SegmentStats> {
    this.#on = false;
    const report: Record<string, SegmentStats> = {};
    for (const [path, { values, count }] of this.#samples) {
      const sorted = values.slice(0, count).sort();
      const at = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))] ?? Number.NaN;
      report[path] = { count, p10Ns: at(0.1), medianNs: at(0.5), p90Ns: at(0.9) };
    }
    this.#samples.clear();
    return report;
  }
}

/** The server process's one timer (a bench server runs one app). */
export const segmentTimer = new SegmentTimer();
