import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workload } from '../../model/types.js';
import type { EnrolFailure } from './enrol-failure.js';
import { startEnrolRetry } from './enrol-retry.js';

const workload = { name: 'a', namespace: 'shop', labels: {}, node: 'n', ip: '10.0.0.1', serviceAccount: 'a', mesh: true, source: { file: 'x', document: 0 } } as Workload;

test('a cgroup that appears is picked up at the next poll, long before the full retry is due', async () => {
  let failures: EnrolFailure[] = [{ workload, code: 'cgroup_not_found', reason: 'not yet' }];
  let appeared = false;
  const retries: number[] = [];
  const started = Date.now();
  const timer = startEnrolRetry({
    retryMs: 60_000,
    pollMs: 20,
    failures: () => failures,
    cgroupAppeared: () => appeared,
    retry: () => {
      retries.push(Date.now() - started);
      failures = [];
    },
  });
  try {
    await sleep(150);
    assert.deepEqual(retries, [], 'no retry while nothing changed and the full retry is not due');
    appeared = true;
    const flipped = Date.now() - started;
    for (let i = 0; i < 50 && retries.length === 0; i++) await sleep(10);
    assert.equal(retries.length, 1);
    assert.ok(retries[0]! - flipped < 200, `retried ${retries[0]! - flipped} ms after the cgroup appeared`);
    await sleep(100);
    assert.equal(retries.length, 1, 'nothing left to retry');
  } finally {
    clearInterval(timer);
  }
});

test('other failures are retried every retryMs, not at every poll', async () => {
  const failures: EnrolFailure[] = [{ workload, code: 'attach_failed', reason: 'EPERM' }];
  let retries = 0;
  const timer = startEnrolRetry({ retryMs: 100, pollMs: 10, failures: () => failures, cgroupAppeared: () => false, retry: () => retries++ });
  try {
    await sleep(450);
  } finally {
    clearInterval(timer);
  }
  assert.ok(retries >= 3 && retries <= 5, `${retries} retries in 450 ms at one per 100 ms`);
});
