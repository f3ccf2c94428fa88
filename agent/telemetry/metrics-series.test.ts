import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from './metrics-series.js';

const labelNames = ['service', 'code'] as const;
const buckets = [0.5, 1, 5, 10];

/** The same recordings through prom-client's own classes and through the series classes. */
async function expositions(record: (counter: (l: Record<'service' | 'code', string>, v?: number) => void, histogram: (l: Record<'service' | 'code', string>, v: number) => void) => void) {
  const theirs = new Registry();
  const counter = new Counter({ name: 'requests_total', help: 'requests', labelNames, registers: [theirs] });
  const histogram = new Histogram({ name: 'duration_ms', help: 'duration', labelNames, buckets, registers: [theirs] });
  record((l, v) => counter.inc(l, v ?? 1), (l, v) => histogram.observe(l, v));

  const ours = new Registry();
  const seriesCounter = new SeriesCounter('requests_total', 'requests', labelNames, ours);
  const seriesHistogram = new SeriesHistogram('duration_ms', 'duration', labelNames, buckets, ours);
  record((l, v) => seriesCounter.labels(l).inc(v), (l, v) => seriesHistogram.labels(l).observe(v));
  return { theirs: normalized(await theirs.metrics()), ours: await ours.metrics() };
}

/** Samples with their labels in one order: label order carries no meaning, and prom-client keeps the caller's. */
function normalized(exposition: string): string[] {
  return exposition
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const sample = /^([^{ ]+)\{(.*)\} (\S+)$/.exec(line);
      if (!sample) return line;
      const pairs = [...sample[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
      return `${sample[1]}{${pairs.join(',')}} ${sample[3]}`;
    })
    .sort();
}

describe('series counters and histograms', () => {
  it("expose exactly what prom-client's Counter and Histogram expose for the same recordings", async () => {
    const { theirs, ours } = await expositions((inc, observe) => {
      const web200 = { service: 'web', code: '200' };
      const web503 = { service: 'web', code: '503' };
      const api200 = { code: '200', service: 'api' }; // label order does not matter
      for (const v of [0.2, 0.5, 0.7, 1, 3, 10, 11, 250]) observe(web200, v);
      observe(web503, 4);
      observe(api200, 0);
      inc(web200);
      inc(web200, 41);
      inc(web503, 2.5);
      inc({ service: 'a "quoted"\nname', code: '200' });
    });
    assert.deepEqual(normalized(ours), theirs);
    assert.match(ours, /^duration_ms_bucket\{le="0\.5",service="web",code="200"\} 2$/m, 'le is inclusive');
    assert.match(ours, /^duration_ms_bucket\{le="\+Inf",service="web",code="200"\} 8$/m);
  });

  it('keep one series per label set, however many handles were taken', async () => {
    const registry = new Registry();
    const counter = new SeriesCounter('hits_total', 'hits', labelNames, registry);
    const first = counter.labels({ service: 'web', code: '200' });
    const second = counter.labels({ service: 'web', code: '200' });
    first.inc();
    second.inc(2);
    assert.match(await registry.metrics(), /^hits_total\{service="web",code="200"\} 3$/m);
  });

  it('refuse what prom-client refuses: a counter going down, a value that is not a number', () => {
    const registry = new Registry();
    const counter = new SeriesCounter('hits_total', 'hits', labelNames, registry).labels({ service: 'web', code: '200' });
    assert.throws(() => counter.inc(-1), /cannot move by -1/);
    assert.throws(() => counter.inc(Number.NaN), /cannot move by NaN/);
    const histogram = new SeriesHistogram('d_ms', 'd', labelNames, buckets, registry).labels({ service: 'web', code: '200' });
    assert.throws(() => histogram.observe(Number.POSITIVE_INFINITY), /cannot observe Infinity/);
  });

  it('are emptied by the registry reset, as prom-client families are', async () => {
    const registry = new Registry();
    new SeriesCounter('hits_total', 'hits', labelNames, registry).labels({ service: 'web', code: '200' }).inc();
    registry.resetMetrics();
    assert.doesNotMatch(await registry.metrics(), /^hits_total\{/m);
  });
});
