/**
 * Figures across rounds: the median a table shows and the spread a rerun
 * should land in; ratios between paths, paired by round so that a slow
 * moment of the machine hits both sides of a ratio alike.
 */

export interface Spread {
  median: number;
  min: number;
  max: number;
  stddev: number;
  n: number;
}

/** undefined when no value is a finite number */
export function spread(values: number[]): Spread | undefined {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const stddev = n > 1 ? Math.sqrt(finite.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { median, min: finite[0]!, max: finite[n - 1]!, stddev, n };
}

/** undefined unless both are finite and the denominator is not zero */
export function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  if (numerator === undefined || denominator === undefined || !Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return undefined;
  return numerator / denominator;
}

/** A ratio of two paths' figures: of their medians, with the range of the per-round ratios. */
export interface RatioSpread {
  value: number;
  min: number;
  max: number;
}

export interface Paired {
  round: number;
  value: number;
}

/** The per-round values of `a` op `b` for the rounds both have. */
export function pairByRound(a: Paired[], b: Paired[], op: (a: number, b: number) => number | undefined): number[] {
  const byRound = new Map(b.map((p) => [p.round, p.value]));
  return a.flatMap((p) => {
    const other = byRound.get(p.round);
    const value = other === undefined ? undefined : op(p.value, other);
    return value === undefined || !Number.isFinite(value) ? [] : [value];
  });
}

export function ratioSpread(a: Paired[], b: Paired[]): RatioSpread | undefined {
  const value = ratio(spread(a.map((p) => p.value))?.median, spread(b.map((p) => p.value))?.median);
  const perRound = spread(pairByRound(a, b, ratio));
  if (value === undefined || !perRound) return undefined;
  return { value, min: perRound.min, max: perRound.max };
}
