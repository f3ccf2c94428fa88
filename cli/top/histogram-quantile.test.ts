import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogramQuantile, type Bucket } from './histogram-quantile.js';

// Cumulative counts 50, 70, 110, 120 for le 0.1, 0.2, 1, +Inf (Prometheus' own
// histogram_quantile test data, promql/testdata/histograms.test, at 50m).
const buckets: Bucket[] = [
  { upperBound: 0.1, count: 50 },
  { upperBound: 0.2, count: 70 },
  { upperBound: 1, count: 110 },
  { upperBound: Infinity, count: 120 },
];

function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
}

test('interpolates linearly inside the bucket the rank falls in, the first bucket starting at 0', () => {
  near(histogramQuantile(0, buckets), 0);
  near(histogramQuantile(0.2, buckets), 0.048); // rank 24 of 50 in [0, 0.1]
  near(histogramQuantile(0.5, buckets), 0.15); // rank 60: 10 of 20 in (0.1, 0.2]
  near(histogramQuantile(0.8, buckets), 0.72); // rank 96: 26 of 40 in (0.2, 1]
});

test('a rank in the +Inf bucket answers the highest finite bound', () => {
  assert.equal(histogramQuantile(0.99, buckets), 1);
  assert.equal(histogramQuantile(1, buckets), 1);
});

test('bucket order does not matter; equal bounds (summed series) add up', () => {
  near(histogramQuantile(0.8, [...buckets].reverse()), 0.72);
  const halves = buckets.flatMap((b) => [{ upperBound: b.upperBound, count: b.count / 2 }, { upperBound: b.upperBound, count: b.count / 2 }]);
  near(histogramQuantile(0.8, halves), 0.72);
});

test('no +Inf bucket, no observations, or fewer than two buckets: NaN; q outside [0, 1]: ±Inf', () => {
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets.slice(0, 3))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets.map((b) => ({ ...b, count: 0 })))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ upperBound: Infinity, count: 3 }])));
  assert.equal(histogramQuantile(-0.1, buckets), -Infinity);
  assert.equal(histogramQuantile(1.1, buckets), Infinity);
});

test('counts that dip (rates summed with rounding) are made monotonic first', () => {
  const dipping: Bucket[] = [
    { upperBound: 1, count: 10 },
    { upperBound: 5, count: 9.999999 },
    { upperBound: 10, count: 20 },
    { upperBound: Infinity, count: 20 },
  ];
  near(histogramQuantile(0.75, dipping), 7.5); // rank 15: 5 of 10 in (5, 10]
});
