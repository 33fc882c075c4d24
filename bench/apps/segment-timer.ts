/**
 * In-situ timing, measured inside the server on real HTTP requests: the segment from the moment the
 * session middleware hands a request on to the moment the route's handler starts, and the whole
 * request, from the server's listener being called to the response's `finish`. On a verified
 * session the segment is everything second-factor adds before the handler (the layers it mounts and
 * the guard); the whole request also holds what comes after the handler and the layers in front of
 * the session (Koa's `sessionErrorHandler()`). Off (one boolean read per request) unless the runner
 * switches it on.
 */
import { performance } from "node:perf_hooks";

/** The most samples kept per path (8 MiB each). */
const CAPACITY = 1 << 20;

/** Where a request's stamp is kept while it is on its way from the session middleware to the handler. */
const STAMP: unique symbol = Symbol("bench segment stamp");

type Stamped = { [STAMP]?: number };

/**
 * One path's times.
 * @example
 * const { medianNs } = report.segment["/account"];
 */
export interface SegmentStats {
  readonly count: number;
  readonly p10Ns: number;
  readonly medianNs: number;
  readonly p90Ns: number;
}

/**
 * What one timed stretch of load saw, per path.
 * @example
 * const added = report.whole["/account"].medianNs - report.whole["/plain"].medianNs;
 */
export interface InSituReport {
  /** From the session middleware to the handler. */
  readonly segment: Record<string, SegmentStats>;
  /** From the listener to the response's `finish`. */
  readonly whole: Record<string, SegmentStats>;
}

/** Samples of one path, kept in a preallocated array so that timing allocates nothing per request. */
class Samples {
  readonly #byPath = new Map<string, { values: Float64Array; count: number }>();

  add(path: string, ns: number): void {
    let entry = this.#byPath.get(path);
    if (entry === undefined) {
      entry = { values: new Float64Array(CAPACITY), count: 0 };
      this.#byPath.set(path, entry);
    }
    if (entry.count < CAPACITY) entry.values[entry.count++] = ns;
  }

  /** The statistics of every path seen; forgets the samples. */
  take(): Record<string, SegmentStats> {
    const report: Record<string, SegmentStats> = {};
    for (const [path, { values, count }] of this.#byPath) {
      const sorted = values.slice(0, count).sort();
      const at = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))] ?? Number.NaN;
      report[path] = { count, p10Ns: at(0.1), medianNs: at(0.5), p90Ns: at(0.9) };
    }
    this.#byPath.clear();
    return report;
  }
}

class SegmentTimer {
  #on = false;
  readonly #segments = new Samples();
  readonly #wholes = new Samples();

  /** Called by the server's listener: times the whole request of `path` until its response finishes. */
  begin(response: { once(event: "finish", listener: () => void): unknown }, path: string): void {
    if (!this.#on) return;
    const started = performance.now();
    response.once("finish", () => {
      if (this.#on) this.#wholes.add(path, (performance.now() - started) * 1e6);
    });
  }

  /** Called right after the session middleware: remembers when this request got there. */
  stamp(native: object): void {
    if (this.#on) (native as Stamped)[STAMP] = performance.now();
  }

  /** Called first thing in the handler of `path`. */
  record(native: object, path: string): void {
    if (!this.#on) return;
    const stamped = (native as Stamped)[STAMP];
    if (stamped === undefined) return;
    this.#segments.add(path, (performance.now() - stamped) * 1e6);
  }

  start(): void {
    this.#segments.take();
    this.#wholes.take();
    this.#on = true;
  }

  /** Switches timing off and returns the statistics of every path seen. */
  stop(): InSituReport {
    this.#on = false;
    return { segment: this.#segments.take(), whole: this.#wholes.take() };
  }
}

/** The server process's one timer (a bench server runs one app). */
export const segmentTimer = new SegmentTimer();
