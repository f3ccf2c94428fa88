import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairByRound, ratio, ratioSpread, spread } from './stats.js';

test('spread: median of odd and even counts, min, max, sample stddev; non-numbers left out', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, stddev: 1, n: 3 });
  const even = spread([10, 40, 20, 30, NaN, Infinity])!;
  assert.equal(even.median, 25);
  assert.equal(even.n, 4);
  assert.ok(Math.abs(even.stddev - 12.9099) < 1e-3);
  assert.deepEqual(spread([7]), { median: 7, min: 7, max: 7, stddev: 0, n: 1 });
  assert.equal(spread([]), undefined);
  assert.equal(spread([NaN]), undefined);
});

test('ratio refuses a zero or missing denominator rather than printing Infinity', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(ratio(3, 0), undefined);
  assert.equal(ratio(undefined, 2), undefined);
  assert.equal(ratio(3, NaN), undefined);
});

test('pairs by round number, not by position, and skips rounds one side lacks', () => {
  const a = [{ round: 1, value: 10 }, { round: 2, value: 30 }, { round: 3, value: 8 }];
  const b = [{ round: 3, value: 4 }, { round: 1, value: 5 }];
  assert.deepEqual(pairByRound(a, b, (x, y) => x - y), [5, 4]);
});

test('ratioSpread: ratio of the medians, range of the paired per-round ratios', () => {
  const path = [{ round: 1, value: 200 }, { round: 2, value: 300 }, { round: 3, value: 260 }];
  const base = [{ round: 1, value: 100 }, { round: 2, value: 100 }, { round: 3, value: 200 }];
  assert.deepEqual(ratioSpread(path, base), { value: 2.6, min: 1.3, max: 3 });
  assert.equal(ratioSpread(path, []), undefined);
});
