/**
 * Measures time and heap allocation per call of a loop body.
 *
 * Allocation: V8 allocates new objects by bumping a pointer in the young generation, so the growth
 * of the young generation's used size (`v8.getHeapSpaceStatistics()`) over a window of calls is
 * what those calls allocated, as long as no GC ran inside the window. A `PerformanceObserver` on
 * `gc` entries tells; windows with a GC are thrown away. (Node 20 has no `total_allocated_bytes`.)
 * A calibration loop that allocates one 4-element array per call reads 80 bytes, as V8 lays it out.
 */

import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { type Spread, summarize } from "../lib/stats.js";

/** Runs `calls` calls of the subject (sync or async). */
export type CallLoop = (calls: number) => void | Promise<void>;

/** Time and allocation of one subject. */
export interface CallCost {
  /** Nanoseconds per call over the timed batches. */
  readonly ns: Spread;
  /** Bytes allocated per call over the GC-free windows. */
  readonly bytes: Spread;
  /** Windows thrown away because a GC ran inside them. */
  readonly discardedWindows: number;
}

let gcCount = 0;
const observer = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});
observer.observe({ entryTypes: ["gc"] });

/**
 * Bytes in use in the young generation, where V8 places every new object of ordinary size: code the
 * JIT installs meanwhile goes elsewhere and does not blur the count.
 */
function youngGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === "new_space" || space.space_name === "new_large_object_space")
      used += space.space_used_size;
  }
  return used;
}

/** Lets queued `gc` performance entries reach the observer (they arrive after a timer, not a tick). */
function flushObserver(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Bytes the young generation grew by over `calls` calls; `undefined` when a GC ran meanwhile. No
 * forced GC before: a full GC deoptimizes code that embeds objects it frees, and the window would
 * then measure the interpreter instead of the steady state.
 */
async function heapGrowth(loop: CallLoop, calls: number): Promise<number | undefined> {
  await flushObserver();
  const gcBefore = gcCount;
  const heapBefore = youngGenerationUsed();
  await loop(calls);
  const heapAfter = youngGenerationUsed();
  await flushObserver();
  return gcCount === gcBefore && heapAfter >= heapBefore ? heapAfter - heapBefore : undefined;
}

/** Calls in the first allocation window; halved while windows keep meeting a GC. */
const FIRST_WINDOW_CALLS = 4_000;
const SMALLEST_WINDOW_CALLS = 250;

/**
 * Measures `loop`: a warm-up, `batches` timed batches of `calls`, then `windows` allocation samples.
 * Each sample is the slope between a window of N and one of 2N calls, both GC-free, so a constant
 * cost of the measurement itself cancels out; N is halved while windows meet a GC.
 */
export async function costOf(
  loop: CallLoop,
  settings: { calls: number; batches: number; windows: number },
): Promise<CallCost> {
  await loop(Math.min(settings.calls, 200_000));
  const ns: number[] = [];
  for (let batch = 0; batch < settings.batches; batch++) {
    const started = process.hrtime.bigint();
    await loop(settings.calls);
    ns.push(Number(process.hrtime.bigint() - started) / settings.calls);
  }
  const bytes: number[] = [];
  let discardedWindows = 0;
  let windowCalls = FIRST_WINDOW_CALLS;
  for (let attempt = 0; bytes.length < settings.windows && attempt < settings.windows * 6; attempt++) {
    const single = await heapGrowth(loop, windowCalls);
    const double = single === undefined ? undefined : await heapGrowth(loop, windowCalls * 2);
    if (single === undefined || double === undefined) {
      discardedWindows++;
      windowCalls = Math.max(SMALLEST_WINDOW_CALLS, Math.floor(windowCalls / 2));
      continue;
    }
    bytes.push(Math.max(0, (double - single) / windowCalls));
  }
  return { ns: summarize(ns), bytes: summarize(bytes), discardedWindows };
}
