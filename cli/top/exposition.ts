/**
 * The Prometheus text exposition format -> flat samples (name, labels,
 * value), the shape PromQL works on, parsed by parse-prometheus-text-format.
 *
 * That library folds every histogram family into one label-less sample, so
 * the buckets of different label sets overwrite each other and their _sum and
 * _count are lost (yunyu/parse-prometheus-text-format#13, fix #8 never
 * merged). Histogram families are therefore declared untyped before parsing:
 * the library then returns each `_bucket`, `_sum` and `_count` line as its
 * own sample with all its labels, `le` included.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const histogramType = /^# TYPE (\S+) histogram$/gm;

export function parseExposition(text: string): Sample[] {
  // The library drops the last sample when the text does not end in a newline.
  const untyped = `${text.replace(histogramType, '# TYPE $1 untyped')}\n`;
  const samples: Sample[] = [];
  for (const family of parsePrometheusTextFormat(untyped)) {
    if (family.type === 'SUMMARY') continue; // nothing `weft top` reads is a summary
    for (const metric of family.metrics) {
      if (metric.value === undefined) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: parseFloatText(metric.value) });
    }
  }
  return samples;
}

/** A sample value or `le` bound as the format writes it: Go's float spelling, `+Inf` included. */
export function parseFloatText(text: string): number {
  const trimmed = text.trim();
  if (/^\+?Inf$/i.test(trimmed)) return Infinity;
  if (/^-Inf$/i.test(trimmed)) return -Infinity;
  return trimmed === '' ? NaN : Number(trimmed);
}

/** One key per series: the name and the labels in a fixed order. */
export function seriesKey(sample: Sample): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(sample.labels[name])}`);
  return `${sample.name}{${labels.join(',')}}`;
}
