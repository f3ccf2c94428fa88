/**
 * A quantile from cumulative histogram buckets, computed as PromQL's
 * histogram_quantile() does (prometheus/promql/quantile.go, bucketQuantile):
 * find the bucket the rank falls in and interpolate linearly inside it, the
 * lowest bucket starting at 0; a rank in the +Inf bucket answers the highest
 * finite bound. Same inputs, same number as a Prometheus server would give.
 */
export interface Bucket {
  /** the `le` label: inclusive upper bound */
  upperBound: number;
  /** cumulative count of observations <= upperBound */
  count: number;
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = coalesce([...input].sort((a, b) => a.upperBound - b.upperBound));
  if (buckets.length < 2 || buckets.at(-1)!.upperBound !== Infinity) return NaN;
  // Counts summed from independent rates can dip by rounding: make them monotonic, as Prometheus does.
  for (let i = 1; i < buckets.length; i++) buckets[i]!.count = Math.max(buckets[i]!.count, buckets[i - 1]!.count);

  const observations = buckets.at(-1)!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;

  const bucketEnd = buckets[b]!.upperBound;
  let bucketStart = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Buckets with the same bound (from summing series) become one. */
function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const bucket of sorted) {
    const last = out.at(-1);
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else out.push({ ...bucket });
  }
  return out;
}
