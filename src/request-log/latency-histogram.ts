// The fixed latency histogram the overview rollups count into: log-spaced bucket bounds shared by the SQL that files a
// row into a bucket (width_bucket over LATENCY_BOUNDS_SQL) and the code that reads a percentile back out of the counts.

/**
 * Four buckets per doubling: bound i is 2^(i/4) ms, so a bucket's upper bound is 2^(1/4) ≈ 1.19 times its lower one
 * (a percentile read from the histogram is at most ~19% above the true one), from 1 ms up to 2^20 ms (~17.5 minutes).
 */
const STEPS_PER_DOUBLING = 4;
const DOUBLINGS = 20;

/** The thresholds width_bucket compares against: bucket 0 holds values below 1 ms, bucket k values in [bound k-1, bound k). */
export const LATENCY_BOUNDS: readonly number[] = Array.from({ length: STEPS_PER_DOUBLING * DOUBLINGS + 1 }, (_, i) => 2 ** (i / STEPS_PER_DOUBLING));

/** Buckets per histogram: one below the first bound, one between each pair, one from the last bound up (the overflow). */
export const HISTOGRAM_BUCKETS = LATENCY_BOUNDS.length + 1;

/** The bounds as a Postgres array literal; String(number) round-trips exactly to float8, so SQL and JS agree on every edge. */
export const LATENCY_BOUNDS_SQL = `array[${LATENCY_BOUNDS.map(String).join(',')}]::float8[]`;

/** The SQL column name of a histogram's bucket (latency_b00 … latency_b81). */
export const bucketColumn = (histogram: 'latency' | 'ttft', bucket: number): string => `${histogram}_b${String(bucket).padStart(2, '0')}`;

/** [lower, upper) of a bucket in ms; the overflow bucket has no upper bound. */
export function bucketBounds(bucket: number): [number, number] {
  return [bucket === 0 ? 0 : LATENCY_BOUNDS[bucket - 1]!, LATENCY_BOUNDS[bucket] ?? Number.POSITIVE_INFINITY];
}

/**
 * The `fraction` percentile of the counted values (nearest rank), as the upper bound of the bucket that holds it:
 * "this share of requests took at most this long", never below the true figure. The overflow bucket answers its lower
 * bound. Null when nothing was counted.
 */
export function histogramPercentile(counts: readonly number[], fraction: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    seen += counts[bucket]!;
    if (seen >= rank) {
      const [lower, upper] = bucketBounds(bucket);
      return Number.isFinite(upper) ? upper : lower;
    }
  }
  return null;
}
