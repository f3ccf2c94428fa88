import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessLog, requestFailed } from './access-log.js';

/** A fixed sequence of "random" draws, so the share is exact. */
function draws(count: number): () => number {
  let i = 0;
  return () => (i++ % count) / count;
}

test('full logs every line, off none', () => {
  const full = new AccessLog({ mode: 'full', sampleRate: 0 });
  const off = new AccessLog({ mode: 'off', sampleRate: 1 });
  assert.deepEqual([full.admits(false), full.admits(true), off.admits(false), off.admits(true)], [true, true, false, false]);
});

test('sampled logs every failure and the sample rate of the rest', () => {
  const sampled = new AccessLog({ mode: 'sampled', sampleRate: 0.05 }, draws(1000));
  let ok = 0;
  for (let i = 0; i < 1000; i++) if (sampled.admits(false)) ok++;
  assert.equal(ok, 50);
  let failed = 0;
  for (let i = 0; i < 1000; i++) if (sampled.admits(true)) failed++;
  assert.equal(failed, 1000);
  const never = new AccessLog({ mode: 'sampled', sampleRate: 0 }, Math.random);
  assert.equal([...Array(1000)].filter(() => never.admits(false)).length, 0);
});

test('a failed request: a 5xx, no answer, or any response flag', () => {
  assert.deepEqual(
    [requestFailed(200, '-'), requestFailed(404, '-'), requestFailed(503, '-'), requestFailed(0, 'DC'), requestFailed(503, 'UC'), requestFailed(200, 'UC')],
    [false, false, true, true, true, true],
  );
});
