/** Latencies in microseconds, kept in an HdrHistogram (3 significant digits, up to a minute). */
import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class LatencyHistogram {
  readonly #histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

  /** Records a duration given in milliseconds (performance.now() differences). */
  recordMs(ms: number): void {
    this.#histogram.recordValue(Math.min(60_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      max: h.maxValue,
      mean: Math.round(h.mean),
    };
  }
}
