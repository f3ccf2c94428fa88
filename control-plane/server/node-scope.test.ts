import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Workload } from '../../model/types.js';
import { resourcesForNode, scopeForNode } from './node-scope.js';
import { mesh, service, twoNodeMesh, workload } from './test-fixtures.js';

type Wire = Workload & { uid?: string; qosClass?: string };
const names = (list: readonly { namespace: string; name: string }[]) => list.map((w) => `${w.namespace}/${w.name}`).sort();

test('a node gets every Service, its own workloads whole, and other nodes\' Service endpoints without private fields', () => {
  const scoped = scopeForNode(twoNodeMesh(), 'node-1');
  assert.deepEqual(names(scoped.services), ['shop/ratings', 'shop/reviews']);
  assert.deepEqual(names(scoped.workloads), ['shop/client-1', 'shop/ratings-2', 'shop/reviews-1', 'shop/reviews-2']);
  for (const w of scoped.workloads as Wire[]) {
    if (w.node === 'node-1') assert.equal(w.cgroup, `/weft/node-1/${w.name}`);
    else assert.deepEqual([w.cgroup, w.uid, w.qosClass], [undefined, undefined, undefined], w.name);
  }
  const ratings = scoped.workloads.find((w) => w.name === 'ratings-2')!;
  assert.deepEqual(
    { ip: ratings.ip, serviceAccount: ratings.serviceAccount, labels: ratings.labels, mesh: ratings.mesh },
    { ip: '10.0.2.11', serviceAccount: 'ratings', labels: { app: 'ratings' }, mesh: true },
  );
});

test('an endpoint needs a Service in its namespace whose non-empty selector it matches', () => {
  const config = mesh({
    services: [
      service('shop', 'reviews', '10.96.0.10', 'reviews'),
      { ...service('shop', 'everything', '10.96.0.12', 'x'), selector: {} },
    ],
    workloads: [
      workload('shop', 'reviews-2', 'node-2', '10.0.2.10', 'reviews'),
      workload('other', 'reviews-elsewhere', 'node-2', '10.0.2.20', 'reviews'),
      workload('shop', 'unselected', 'node-2', '10.0.2.21', 'nothing'),
      workload('shop', 'plain', 'node-2', '10.0.2.22', 'reviews', { mesh: false }),
    ],
  });
  // A non-meshed endpoint is still an endpoint: the proxy dials it in plain text.
  assert.deepEqual(names(scopeForNode(config, 'node-1').workloads), ['shop/plain', 'shop/reviews-2']);
  assert.deepEqual(names(scopeForNode(config, 'node-2').workloads), names(config.workloads));
});

test('the original config is not modified by scoping', () => {
  const config = twoNodeMesh();
  const before = structuredClone(config);
  scopeForNode(config, 'node-1');
  assert.deepEqual(config, before);
});

test('resources are named <Kind>/<namespace>/<name> and versioned by content', () => {
  const one = resourcesForNode(twoNodeMesh(), 'node-1');
  assert.deepEqual([...one.keys()].sort(), [
    'Service/shop/ratings',
    'Service/shop/reviews',
    'Workload/shop/client-1',
    'Workload/shop/ratings-2',
    'Workload/shop/reviews-1',
    'Workload/shop/reviews-2',
  ]);
  const two = resourcesForNode(twoNodeMesh(), 'node-2');
  assert.equal(one.get('Service/shop/reviews')?.version, two.get('Service/shop/reviews')?.version);
  // reviews-2 is whole on node-2 and stripped on node-1: different content, different versions.
  assert.notEqual(one.get('Workload/shop/reviews-2')?.version, two.get('Workload/shop/reviews-2')?.version);
  // A manifest moving within its file changes nothing on the wire.
  const moved = twoNodeMesh();
  moved.services[1]!.source = { file: 'elsewhere.yaml', document: 7, line: 40 };
  assert.equal(resourcesForNode(moved, 'node-1').get('Service/shop/ratings')?.version, one.get('Service/shop/ratings')?.version);
});
