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
