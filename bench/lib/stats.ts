/** Order statistics over samples (the runner reports medians and min–max, never means). */

/** Median, min, max and count of a list of samples. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** The `q`-quantile (0..1) of `values` by linear interpolation; `NaN` for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = sorted[Math.floor(position)] ?? Number.NaN;
  const high = sorted[Math.ceil(position)] ?? Number.NaN;
  return low + (high - low) * (position - Math.floor(position));
}

/** The {@link Spread} of `values`. */
export function summarize(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  return {
    median: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
  };
}

/**
 * A distribution-free 95 % confidence interval of the median (binomial order statistics: the k-th
 * smallest and the k-th largest value); `undefined` with fewer than 6 values.
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } | undefined {
  const n = values.length;
  if (n < 6) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Normal approximation of Binomial(n, 1/2): the k-th order statistic, k = n/2 - 1.96 * sqrt(n)/2.
  const k = Math.max(1, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  return { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN };
}
