import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.js';

test('the ceiling doubles from the base to the cap; delays are drawn below it (full jitter)', () => {
  const top = new Backoff({ baseMs: 200, capMs: 3_000, random: () => 0.999999 });
  assert.deepEqual(Array.from({ length: 7 }, () => top.next()), [199, 399, 799, 1599, 2999, 2999, 2999]);
  const bottom = new Backoff({ random: () => 0 });
  assert.deepEqual([bottom.next(), bottom.next()], [0, 0]);
  const random = new Backoff();
  for (let i = 0; i < 100; i++) {
    const delay = random.next();
    assert.ok(delay >= 0 && delay < 3_000);
  }
});

test('reset starts again from the base', () => {
  const backoff = new Backoff({ baseMs: 100, capMs: 1_000, random: () => 0.5 });
  backoff.next();
  backoff.next();
  assert.equal(backoff.next(), 200);
  backoff.reset();
  assert.equal(backoff.next(), 50);
});

test('the defaults are the agent reconnect\'s: 200 ms doubling to 1.5 s, full jitter', () => {
  const backoff = new Backoff({ random: () => 0.999999 });
  assert.deepEqual([backoff.baseMs, backoff.capMs, backoff.jitter], [200, 1_500, 'full']);
  assert.deepEqual(Array.from({ length: 5 }, () => backoff.next()), [199, 399, 799, 1499, 1499]);
});

test('a fractional jitter takes up to that fraction off the ceiling, rounded', () => {
  // The Kubernetes informers' retries (control-plane/sources/kubernetes-informer.ts): 250 ms doubling to 30 s, up to 20% short.
  const longest = new Backoff({ baseMs: 250, capMs: 30_000, jitter: { fraction: 0.2 }, random: () => 0 });
  assert.deepEqual(Array.from({ length: 9 }, () => longest.next()), [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  const shortest = new Backoff({ baseMs: 250, capMs: 30_000, jitter: { fraction: 0.2 }, random: () => 0.999999 });
  assert.deepEqual(Array.from({ length: 9 }, () => shortest.next()), [200, 400, 800, 1_600, 3_200, 6_400, 12_800, 24_000, 24_000]);
  const random = new Backoff({ baseMs: 250, capMs: 30_000, jitter: { fraction: 0.2 } });
  for (let i = 0; i < 100; i++) {
    const ceiling = Math.min(30_000, 250 * 2 ** i);
    const delay = random.next();
    assert.ok(delay >= Math.round(ceiling * 0.8) && delay <= ceiling, `${delay} for a ceiling of ${ceiling}`);
  }
  random.reset();
  assert.ok(random.next() <= 250);
});

test('many failures in a row stay at the cap, never NaN or Infinity', () => {
  for (const jitter of ['full', { fraction: 0.2 }] as const) {
    const backoff = new Backoff({ baseMs: 1, capMs: 5_000, jitter, random: () => 0.5 });
    let delay = 0;
    for (let i = 0; i < 5_000; i++) delay = backoff.next();
    assert.equal(delay, jitter === 'full' ? 2_500 : 4_500);
    const zero = new Backoff({ baseMs: 0, capMs: 5_000, jitter, random: () => 0.5 });
    for (let i = 0; i < 5_000; i++) delay = zero.next();
    assert.equal(delay, 0);
  }
});
