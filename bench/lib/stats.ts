/** Order statistics over a list of samples (the runner reports medians and min–max, never means). */

/**
 * Summary of a list of samples.
 * @example
 * const spread: Spread = summarize([0.97, 1.01, 0.99]); // { median: 0.99, min: 0.97, max: 1.01, count: 3 }
 */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/**
 * The `q`-quantile (0..1) of `values` by linear interpolation; `NaN` for an empty list.
 * @example
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

/**
 * The median of `values`; `NaN` for an empty list.
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Median, min, max and count of `values`.
 * @example
 * summarize([1, 5, 3]); // { median: 3, min: 1, max: 5, count: 3 }
 */
export function summarize(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), count: values.length };
}

/**
 * Element-wise ratios `a[i] / b[i]` of two paired sample lists (same round, same index).
 * @example
 * pairedRatios([98, 101], [100, 100]); // [0.98, 1.01]
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((value, index) => value / (b[index] ?? Number.NaN));
}

/**
 * A distribution-free 95 % confidence interval of the median of `values` (from the binomial order
 * statistics: the k-th smallest and the k-th largest value); `undefined` with fewer than 6 values.
 * @example
 * medianInterval(ratios); // { low: 0.97, high: 1.02 }
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } | undefined {
  const n = values.length;
  if (n < 6) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Normal approximation of Binomial(n, 1/2): the k-th order statistic, k = n/2 - 1.96 * sqrt(n)/2.
  const k = Math.max(1, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  return { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN };
}
