import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerAuthentication, Workload } from '../../model/types.js';
import { IngressMode, type IngressKey, type IngressPolicy } from '../datapath/map-codec.js';
import { syncIngressPolicies, type IngressPolicyMap } from './ingress-policies.js';

const source = { file: 't.yaml', document: 0 };

class FakeMap implements IngressPolicyMap {
  readonly entries = new Map<string, IngressKey & IngressPolicy>();
  readonly writes: string[] = [];

  ingressPolicies() {
    return [...this.entries.values()];
  }
  setIngressPolicy(key: IngressKey, policy: IngressPolicy) {
    this.entries.set(`${key.cgroupId}:${key.port}`, { cgroupId: key.cgroupId, port: key.port, ...policy });
    this.writes.push(`${key.cgroupId}:${key.port}`);
  }
  removeIngressPolicy(key: IngressKey) {
    return this.entries.delete(`${key.cgroupId}:${key.port}`);
  }
  modes() {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, entry.mode]));
  }
}

function workload(name: string, labels: Record<string, string>): Workload {
  return { name, namespace: 'default', labels, node: 'node-1', ip: '10.244.1.2', serviceAccount: name, mesh: true, source };
}

function peer(name: string, mode: PeerAuthentication['mode'], selector?: Record<string, string>, ports: PeerAuthentication['portLevelMtls'] = []): PeerAuthentication {
  return { name, namespace: 'default', mode, portLevelMtls: ports, ...(selector ? { selector } : {}), source };
}

const b = workload('b', { app: 'b' });
const c = workload('c', { app: 'c' });

test('every enrolled pod gets a pod-wide entry and one per port, each with the node proxy address', () => {
  const map = new FakeMap();
  syncIngressPolicies(
    map,
    [peer('ns', 'STRICT'), peer('b', 'UNSET', { app: 'b' }, [{ port: 8080, mode: 'PERMISSIVE' }])],
    new Map([[11n, b], [12n, c]]),
    '10.10.0.1',
  );
  assert.deepEqual(map.modes(), { '11:0': IngressMode.strict, '11:8080': IngressMode.permissive, '12:0': IngressMode.strict });
  assert.ok(map.ingressPolicies().every((entry) => entry.proxyIp === '10.10.0.1'));
});

test('a config change rewrites only what changed, and removes ports and pods that are gone', () => {
  const map = new FakeMap();
  const enrolled = new Map([[11n, b], [12n, c]]);
  syncIngressPolicies(map, [peer('ns', 'STRICT'), peer('b', 'UNSET', { app: 'b' }, [{ port: 8080, mode: 'PERMISSIVE' }])], enrolled, '10.10.0.1');
  map.writes.length = 0;

  const result = syncIngressPolicies(map, [peer('ns', 'PERMISSIVE')], new Map([[11n, b]]), '10.10.0.1');
  assert.deepEqual(map.modes(), { '11:0': IngressMode.permissive });
  assert.deepEqual(map.writes, ['11:0']);
  assert.deepEqual(result, { written: 1, removed: 2 });

  map.writes.length = 0;
  assert.deepEqual(syncIngressPolicies(map, [peer('ns', 'PERMISSIVE')], new Map([[11n, b]]), '10.10.0.1'), { written: 0, removed: 0 });
});

test('no policy at all: the mesh default, PERMISSIVE, written explicitly', () => {
  const map = new FakeMap();
  syncIngressPolicies(map, [], new Map([[11n, b]]), '10.10.0.1');
  assert.deepEqual(map.modes(), { '11:0': IngressMode.permissive });
});

test('a pod the proxy cannot capture while a policy selects it is written STRICT (port overrides dropped), and back once it can be', () => {
  const map = new FakeMap();
  const enrolled = new Map([[1n, b], [2n, c]]);
  const policies = [peer('c-port', 'UNSET', { app: 'b' }, [{ port: 7001, mode: 'PERMISSIVE' }])];
  syncIngressPolicies(map, policies, enrolled, '10.0.0.1', undefined, (w) => w.name === 'b');
  assert.deepEqual(map.modes(), { '1:0': IngressMode.strict, '2:0': IngressMode.permissive });
  syncIngressPolicies(map, policies, enrolled, '10.0.0.1');
  assert.deepEqual(map.modes(), { '1:0': IngressMode.permissive, '1:7001': IngressMode.permissive, '2:0': IngressMode.permissive });
});
