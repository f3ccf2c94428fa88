import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRegistryError, ResourceRejectedError } from './api-errors.js';
import type { DiscoveryResponse__Output } from '../proto/generated/weft/v1/DiscoveryResponse.js';
import type { Resource } from '../proto/generated/weft/v1/Resource.js';
import type { Service, Workload } from '../model/types.js';
import { mesh, service, workload } from '../control-plane/server/test-fixtures.js';
import { nodeKind } from './codecs/node.js';
import { serviceKind } from './codecs/service.js';
import { workloadKind } from './codecs/workload.js';
import { weftV1 } from './load-protos.js';
import { coreKinds, meshResources } from './mesh-resources.js';
import { ResourceRegistry } from './resource-registry.js';
import { canonicalJson, contentVersion } from './resource-version.js';

const registry = meshResources();
const method = () => weftV1().MeshDiscovery.service.Stream;

/** Through real protobuf bytes, as the agent receives it. */
function overTheWire(resources: Resource[]): DiscoveryResponse__Output {
  const bytes = method().responseSerialize({ systemVersionInfo: '1', nonce: 'n', resources, removedResources: [] });
  return method().responseDeserialize(bytes);
}

const withoutSource = <T extends { source: unknown }>({ source: _source, ...rest }: T) => rest;

test('Service, Workload, Namespace and Node survive encode -> protobuf -> decode', () => {
  const objects: [(typeof coreKinds)[number], unknown][] = [
    [serviceKind, service('shop', 'reviews', '10.96.0.10', 'reviews')],
    [serviceKind, { ...service('shop', 'bare', '10.96.0.11', 'bare'), ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }],
    [workloadKind, workload('shop', 'reviews-1', 'node-1', '10.0.1.10', 'reviews')],
    [workloadKind, workload('shop', 'k8s-pod', 'node-1', '10.0.1.11', 'x', { uid: '0b7f4c1e-5d7a-4a5e-9f0e-3f0c2a1b9d11', qosClass: 'Guaranteed' })],
    [coreKinds[2], { name: 'shop', labels: { 'weft.dev/mesh': 'enabled' }, source: { file: 'x', document: 0 } }],
    [nodeKind, { name: 'node-2', ip: '10.10.0.2', source: { file: 'x', document: 0 } }],
  ];
  const encoded = objects.map(([kind, object]) => registry.encode(kind, object));
  const received = overTheWire(encoded.map((e) => e.resource));
  received.resources.forEach((resource, index) => {
    const decoded = registry.decode(resource);
    assert.equal(decoded.name, encoded[index]!.name);
    assert.equal(decoded.version, encoded[index]!.version);
    assert.deepEqual(withoutSource(decoded.object as Service), withoutSource(objects[index]![1] as Service));
    assert.deepEqual((decoded.object as Service).source, { file: `xds:${decoded.name}`, document: 0 });
  });
  // The node-private fields are absent, not empty, when not sent.
  const stripped = { ...workload('shop', 'remote', 'node-2', '10.0.2.10', 'x') } as Partial<Workload>;
  delete stripped.cgroup;
  const back = registry.decode(overTheWire([registry.encode(workloadKind, stripped).resource]).resources[0]!).object as Workload;
  assert.equal('cgroup' in back, false);
  assert.equal('uid' in back, false);
});

test('versions depend on content only: label order and source do not matter', () => {
  const a = workload('shop', 'w', 'node-1', '10.0.1.10', 'x');
  const b = { ...a, labels: { zone: 'b', app: 'x' }, source: { file: 'other', document: 3 } };
  const c = { ...a, labels: { app: 'x', zone: 'b' } };
  assert.equal(registry.encode(workloadKind, b).version, registry.encode(workloadKind, c).version);
  assert.notEqual(registry.encode(workloadKind, a).version, registry.encode(workloadKind, b).version);
  assert.equal(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] }), '{"a":[{"c":"x"}],"b":1}');
  assert.match(contentVersion({}), /^[0-9a-f]{16}$/);
});

test('a Node whose address is not IPv4 is rejected with the field', () => {
  const bad = registry.encode(nodeKind, { name: 'node-2', ip: 'not-an-ip', source: { file: 'x', document: 0 } });
  assert.throws(() => registry.decode(overTheWire([bad.resource]).resources[0]!), /ip/);
});

test('decode rejects, with the field and the reason, what must not reach the datapath', () => {
  const good = registry.encode(workloadKind, workload('shop', 'w', 'node-1', '10.0.1.10', 'x')).resource;
  const cases: [string, Resource, RegExp][] = [
    ['cgroup escape', { ...good, workload: { ...good.workload, cgroup: '/kubepods/../../etc' } }, /cgroup/],
    ['bad address', { ...good, workload: { ...good.workload, ip: '10.0.1' } }, /ip: "10\.0\.1" is not an IPv4/],
    ['loopback', { ...good, workload: { ...good.workload, ip: '127.0.0.1' } }, /loopback/],
    ['bad uid', { ...good, workload: { ...good.workload, uid: '../x' } }, /uid/],
    ['bad qos', { ...good, workload: { ...good.workload, qosClass: 'Gold' } }, /qosClass: "Gold" is not one of/],
    ['bad label key', { ...good, workload: { ...good.workload, labels: { 'a/b/c': 'x' } } }, /labels\.a\/b\/c/],
    ['name disagrees', { ...good, name: 'Workload/shop/other' }, /the body is Workload\/shop\/w, not Workload\/shop\/other/],
    ['kind disagrees', { ...good, name: 'Service/shop/w' }, /the name says Service but the body is a Workload/],
    ['no body', { name: 'Workload/shop/w', version: '1' }, /no body/],
  ];
  for (const [what, resource, reason] of cases) {
    const [received] = overTheWire([resource]).resources;
    assert.throws(
      () => registry.decode(received!),
      (error: unknown) => error instanceof ResourceRejectedError && reason.test(error.message) && error.resourceName === resource.name,
      what,
    );
  }
  const port = registry.encode(serviceKind, service('shop', 's', '10.96.0.1', 's')).resource;
  const badPort = { ...port, service: { ...port.service, ports: [{ port: 0, targetPort: 80, protocol: 'TCP' }] } };
  assert.throws(() => registry.decode(overTheWire([badPort]).resources[0]!), /ports\[0\]\.port: 0 is not a port/);
  const udp = { ...port, service: { ...port.service, ports: [{ port: 53, targetPort: 53, protocol: 'UDP' }] } };
  assert.throws(() => registry.decode(overTheWire([udp]).resources[0]!), /protocol: "UDP" is not one of TCP/);
});

test('an agent NACKs a kind it does not know', () => {
  const onlyServices = new ResourceRegistry([serviceKind]);
  const [resource] = overTheWire([registry.encode(workloadKind, workload('shop', 'w', 'node-1', '10.0.1.10', 'x')).resource]).resources;
  assert.throws(() => onlyServices.decode(resource!), /does not know resource kind "workload"/);
});

test('kinds clash on kind, field or config array', () => {
  assert.throws(() => new ResourceRegistry([serviceKind, { ...workloadKind, field: 'service' }]), ResourceRegistryError);
  assert.throws(() => new ResourceRegistry([serviceKind, { ...serviceKind, kind: 'Other', field: 'other' }]), /config services/);
});

test('assemble gives every registered kind an array, sorted by resource name', () => {
  const decoded = [
    registry.encode(serviceKind, service('shop', 'zeta', '10.96.0.2', 'z')),
    registry.encode(serviceKind, service('shop', 'alpha', '10.96.0.1', 'a')),
  ].map((e) => registry.decode(overTheWire([e.resource]).resources[0]!));
  const config = registry.assemble(decoded);
  assert.deepEqual(config.services.map((s) => s.name), ['alpha', 'zeta']);
  assert.deepEqual(config.workloads, []);
  assert.deepEqual(config.namespaces, []);
  assert.deepEqual(Object.keys(config).sort(), registry.kinds().map((k) => k.configKey).sort());
  // Every MeshConfig array has a kind: an agent's assembled config is complete.
  assert.deepEqual(Object.keys(config).sort(), Object.keys(mesh({})).sort());
  assert.deepEqual(registry.objectsOf(mesh({}), serviceKind), []);
});
