import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLimits, limitsForOpenFiles, type Admission } from './connection-limits.js';

test('one source is refused past its share while the others are still admitted', () => {
  const limits = new ConnectionLimits({ descriptors: 100, perSource: 3 });
  const flooder = [1, 2, 3].map(() => limits.admit('10.0.0.5', 2));
  assert.ok(flooder.every((a) => typeof a !== 'string'));
  assert.equal(limits.admit('10.0.0.5', 2), 'pod_connection_limit');
  assert.notEqual(typeof limits.admit('10.0.0.6', 2), 'string', 'a bystander is admitted');
  (flooder[0] as Admission).release();
  (flooder[0] as Admission).release(); // twice is once
  assert.notEqual(typeof limits.admit('10.0.0.5', 2), 'string', 'a released connection makes room');
  assert.equal(limits.status().descriptorsInUse, 8);
  assert.deepEqual(limits.status().topSources[0], { source: '10.0.0.5', connections: 3 });
});

test('the node budget refuses once the descriptors are spent, whoever asks', () => {
  const limits = new ConnectionLimits({ descriptors: 4, perSource: 10 });
  assert.notEqual(typeof limits.admit('a', 2), 'string');
  assert.notEqual(typeof limits.admit('b', 2), 'string');
  assert.equal(limits.admit('c', 1), 'node_connection_limit');
});

test('limits for an open-file limit: a reserve kept back, a quarter of the connections per source', () => {
  assert.deepEqual(limitsForOpenFiles(20_000), { descriptors: 19_000, perSource: 2375 });
  assert.deepEqual(limitsForOpenFiles(1_048_576), { descriptors: 996_147, perSource: 124_518 });
  assert.deepEqual(limitsForOpenFiles(4096), { descriptors: 3584, perSource: 448 });
  assert.equal(limitsForOpenFiles(20_000, { perSource: 100 }).perSource, 100);
});
