/**
 * The few statistics the benchmarks report. Percentiles are nearest-rank on the sorted
 * sample (no interpolation), so a reported p99 is a latency some request actually had.
 */

/** Nearest-rank percentile of `values` (need not be sorted); NaN for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** count, p50, p90, p99, max and mean, rounded to 0.1 (milliseconds or events, whatever went in). */
export function summarise(values: readonly number[]): Summary {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    count: values.length,
    p50: round1(percentile(values, 50)),
    p90: round1(percentile(values, 90)),
    p99: round1(percentile(values, 99)),
    max: round1(values.length ? maxOf(values) : Number.NaN),
    mean: round1(mean),
  };
}

/** Math.max over a large array without spreading it into arguments (which overflows the stack). */
export function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Buckets timestamped values into `binMs` slots from `t0`: the count per slot gives a
 * rate curve, the values per slot a latency curve.
 */
export function bins(items: ReadonlyArray<{ t: number; v?: number }>, t0: number, binMs = 1000): Array<{ t: number; count: number; values: number[] }> {
  const out: Array<{ t: number; count: number; values: number[] }> = [];
  for (const item of items) {
    const i = Math.max(0, Math.floor((item.t - t0) / binMs));
    while (out.length <= i) out.push({ t: ((out.length + 1) * binMs) / 1000, count: 0, values: [] });
    out[i]!.count += 1;
    if (item.v !== undefined) out[i]!.values.push(item.v);
  }
  return out;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
