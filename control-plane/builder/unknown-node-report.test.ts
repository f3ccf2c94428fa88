import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { emptyMeshConfig } from '../../model/empty-config.js';
import type { MeshConfig, Workload } from '../../model/types.js';
import { UnknownNodeReport } from './unknown-node-report.js';

function workload(name: string, node: string): Workload {
  return { name, namespace: 'shop', labels: {}, node, ip: '10.244.9.9', serviceAccount: 'default', mesh: true, source: { file: 'shop.yaml', document: 0, line: 3 } };
}

test('workloads on nodes no agent connected from are reported after the grace period, once per change', () => {
  let now = 0;
  const report = new UnknownNodeReport(pino({ level: 'silent' }), 30_000, () => now);
  const config: MeshConfig = { ...emptyMeshConfig(), workloads: [workload('a', 'node-1'), workload('b', 'node-9')] };

  assert.deepEqual(report.check(config, ['node-1']), [], 'nothing during the grace period');
  now = 31_000;
  const first = report.check(config, []);
  assert.equal(first.length, 1);
  assert.match(first[0]!, /shop\.yaml:3 \[doc 0\] warning: spec\.node: node node-9 is not known .*shop\/b/);
  assert.deepEqual(report.check(config, []), [], 'the same set is not logged again');
  assert.deepEqual(report.check(config, ['node-9']), [], 'once node-9 connects, nothing to report; and nothing new to log');
  const moved: MeshConfig = { ...config, workloads: [...config.workloads, workload('c', 'node-7')] };
  assert.equal(report.check(moved, []).length, 1, 'a new unknown node is reported');
});
