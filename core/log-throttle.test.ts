import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogThrottle } from './log-throttle.js';

test('one line per key per interval, with the count of those held back', () => {
  let now = 0;
  const throttle = new LogThrottle(10_000, () => now);
  assert.equal(throttle.take('a'), 0);
  assert.equal(throttle.take('a'), undefined);
  assert.equal(throttle.take('a'), undefined);
  assert.equal(throttle.take('b'), 0, 'keys are throttled apart');
  now = 10_000;
  assert.equal(throttle.take('a'), 2, 'the next line says how many were held back');
  assert.equal(throttle.take('a'), undefined);
});
