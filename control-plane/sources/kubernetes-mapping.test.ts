/** API objects -> manifests -> the model: what is left out, who is meshed, and how issues name API fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customResource, node, pod, service } from '../../test/kube-standin/fixtures.js';
import { formatIssue } from '../manifests/index.js';
import { KubernetesConfigBuilder } from './kubernetes-config-builder.js';
import { isSkipped, type MappedObject, type MappingResult } from './kubernetes-mapped-object.js';
import { mapNode, mapNodes } from './kubernetes-map-node.js';
import { mapObject } from './kubernetes-map-object.js';
import { mapPod } from './kubernetes-map-pod.js';
import { mapService } from './kubernetes-map-service.js';
import { watchedResources } from './kubernetes-resources.js';

const mapped = (result: MappingResult): MappedObject => {
  assert.ok(!isSkipped(result), `skipped: ${isSkipped(result) ? result.skipped : ''}`);
  return result;
};
const spec = (result: MappingResult) => mapped(result).manifest.spec as Record<string, unknown>;
// Fixtures are loosely typed KubeObjects; each mapper takes its own API shape.
const asApi = (object: unknown) => object as never;

describe('mapPod', () => {
  const base = { name: 'a-1', namespace: 'shop', node: 'node-1', ip: '10.244.1.5' };

  it('leaves out pods that cannot carry meshed traffic', () => {
    const skipped = (object: unknown) => {
      const result = mapPod(asApi(object), undefined);
      return isSkipped(result) ? result.skipped : 'mapped';
    };
    assert.equal(skipped(pod({ ...base, phase: 'Pending' })), 'phase Pending');
    assert.equal(skipped(pod({ ...base, phase: 'Succeeded' })), 'phase Succeeded');
    assert.match(skipped(pod({ ...base, hostNetwork: true })), /hostNetwork/);
    const { ip: _ip, ...withoutIp } = base;
    assert.equal(skipped(pod(withoutIp)), 'no IP yet');
    assert.equal(skipped(pod({ ...base, ip: 'fd00::5' })), 'no IPv4 address');
  });

  it('takes the IPv4 address of a dual-stack pod, and uid, QoS class and service account', () => {
    const dual = pod({ ...base, ip: 'fd00::5', serviceAccount: 'reviews', qosClass: 'Guaranteed' }) as unknown as { status: Record<string, unknown>; metadata: { uid: string } };
    dual.status.podIPs = [{ ip: 'fd00::5' }, { ip: '10.244.1.5' }];
    assert.deepEqual(spec(mapPod(asApi(dual), undefined)), {
      node: 'node-1',
      ip: '10.244.1.5',
      serviceAccount: 'reviews',
      uid: dual.metadata.uid,
      qosClass: 'Guaranteed',
      mesh: false,
    });
  });

  it('meshes by namespace label, pod label opt-in and opt-out', () => {
    const cases: [string | undefined, string | undefined, boolean][] = [
      ['enabled', undefined, true],
      ['enabled', 'disabled', false],
      [undefined, undefined, false],
      [undefined, 'enabled', true],
      ['disabled', undefined, false],
      ['enabled', 'sometimes', true],
    ];
    for (const [namespaceLabel, podLabel, expected] of cases) {
      const labels: Record<string, string> = podLabel === undefined ? {} : { 'weft.dev/mesh': podLabel };
      const namespaceLabels: Record<string, string> = namespaceLabel === undefined ? {} : { 'weft.dev/mesh': namespaceLabel };
      assert.equal(spec(mapPod(asApi(pod({ ...base, labels })), namespaceLabels)).mesh, expected, `namespace ${namespaceLabel}, pod ${podLabel}`);
    }
    const odd = mapped(mapPod(asApi(pod({ ...base, labels: { 'weft.dev/mesh': 'sometimes' } })), {}));
    assert.deepEqual(odd.issues?.map(formatIssue), ['kubernetes:Pod/shop/a-1 [doc 0] warning: metadata.labels["weft.dev/mesh"]: must be "enabled" or "disabled" (got "sometimes"); ignored']);
  });
});

describe('mapService', () => {
  const base = { name: 'web', namespace: 'shop', clusterIP: '10.96.0.5', selector: { app: 'web' } };

  it('leaves out Services without a VIP to intercept, and keeps only TCP ports', () => {
    const skipped = (object: unknown) => {
      const result = mapService(asApi(object));
      return isSkipped(result) ? result.skipped : 'mapped';
    };
    assert.equal(skipped(service({ ...base, clusterIP: 'None', ports: [{ port: 80 }] })), 'headless');
    assert.equal(skipped(service({ ...base, type: 'ExternalName', ports: [{ port: 80 }] })), 'ExternalName');
    assert.equal(skipped(service({ ...base, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })), 'no TCP ports');
    assert.equal(skipped(service({ ...base, clusterIP: 'fd00::10', ports: [{ port: 80 }] })), 'no IPv4 cluster IP');

    const mixed = spec(mapService(asApi(service({ ...base, type: 'LoadBalancer', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'http', port: 80, targetPort: 8080, appProtocol: 'http' }] }))));
    assert.deepEqual(mixed, { clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' }] });
  });

  it('takes the IPv4 cluster IP of a dual-stack Service whose first family is IPv6', () => {
    const dual = service({ ...base, clusterIP: 'fd00::10', ports: [{ port: 80 }] }) as unknown as { spec: Record<string, unknown> };
    dual.spec.clusterIPs = ['fd00::10', '10.96.0.5'];
    assert.equal(spec(mapService(asApi(dual))).clusterIP, '10.96.0.5');
  });

  it('carries the weft.dev/opaque-ports annotation and no other', () => {
    const annotated = service({ ...base, ports: [{ name: 'pg', port: 5000 }] });
    annotated.metadata.annotations = { 'weft.dev/opaque-ports': 'pg', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const result = mapService(asApi(annotated));
    assert.ok('manifest' in result);
    assert.deepEqual((result.manifest.metadata as { annotations?: unknown }).annotations, { 'weft.dev/opaque-ports': 'pg' });
  });
});

describe('mapNode', () => {
  it('takes the first IPv4 InternalIP: the address the agent on that node binds', () => {
    assert.deepEqual(mapNode(asApi(node({ name: 'node-1', internalIP: '192.168.0.11' }))), {
      name: 'node-1',
      ip: '192.168.0.11',
      source: { file: 'kubernetes:Node/node-1', document: 0 },
    });
    // Dual-stack with IPv6 first, and an ExternalIP before the InternalIPs: neither is taken.
    const dual = node({
      name: 'node-2',
      internalIP: '192.168.0.12',
      otherAddresses: [{ type: 'ExternalIP', address: '203.0.113.12' }, { type: 'InternalIP', address: 'fd00::12' }],
    });
    assert.equal((mapNode(asApi(dual)) as { ip: string }).ip, '192.168.0.12');
  });

  it('leaves out a Node with no IPv4 InternalIP, and is never a manifest', () => {
    assert.deepEqual(mapNode(asApi(node({ name: 'fresh' }))), { skipped: 'no InternalIP yet' });
    assert.deepEqual(mapNode(asApi(node({ name: 'v6', otherAddresses: [{ type: 'InternalIP', address: 'fd00::1' }] }))), { skipped: 'no IPv4 InternalIP' });
    const external = node({ name: 'cloud', otherAddresses: [{ type: 'ExternalIP', address: '203.0.113.5' }] });
    assert.deepEqual(mapNode(asApi(external)), { skipped: 'no InternalIP yet' });
    const resource = watchedResources.find((candidate) => candidate.kind === 'Node')!;
    assert.equal(resource.path, '/api/v1/nodes');
    assert.ok(isSkipped(mapObject(resource, asApi(node({ name: 'node-1', internalIP: '192.168.0.11' })), new Map())));
  });

  it('lists the mapped nodes by name and counts the rest', () => {
    const result = mapNodes(asApi([node({ name: 'node-b', internalIP: '10.0.0.2' }), node({ name: 'node-a', internalIP: '10.0.0.1' }), node({ name: 'node-c' })]));
    assert.deepEqual(result.nodes.map((n) => [n.name, n.ip]), [['node-a', '10.0.0.1'], ['node-b', '10.0.0.2']]);
    assert.equal(result.skipped, 1);
  });
});

describe('KubernetesConfigBuilder', () => {
  const resource = (kind: string) => watchedResources.find((candidate) => candidate.kind === kind)!;
  const build = (objects: unknown[], namespaces = new Map<string, Record<string, string>>()) => {
    const results = objects.map((object) => mapObject(resource((object as { kind: string }).kind), asApi(object), namespaces));
    return new KubernetesConfigBuilder().build(results.filter((result): result is MappedObject => !isSkipped(result)));
  };

  it("names the API object's field in issues, with no line", () => {
    const badPod = pod({ name: 'zero', namespace: 'shop', node: 'node-1', ip: '0.0.0.5' });
    const namedPort = service({ name: 'web', namespace: 'shop', clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'http', port: 80, targetPort: 'http' }] });
    const { issues, config } = build([badPod, namedPort]);
    assert.deepEqual(config.workloads, []);
    assert.deepEqual(config.services, []);
    assert.deepEqual(issues.map(formatIssue), [
      'kubernetes:Pod/shop/zero [doc 0] status.podIP: 0.0.0.5 is in 0.0.0.0/8, which means "this host"; it cannot be used here',
      'kubernetes:Service/shop/web [doc 0] spec.ports[1].targetPort: must be an integer (got "http")',
    ]);
    assert.ok(issues.every((issue) => issue.line === undefined));
  });

  it('lets the older of two pods on one IP keep it, and names it in the error', () => {
    const older = pod({ name: 'b-old', namespace: 'shop', node: 'node-1', ip: '10.244.1.9' }) as unknown as { metadata: { creationTimestamp: string } };
    const newer = pod({ name: 'a-new', namespace: 'shop', node: 'node-1', ip: '10.244.1.9' }) as unknown as { metadata: { creationTimestamp: string } };
    older.metadata.creationTimestamp = '2025-01-01T00:00:00Z';
    newer.metadata.creationTimestamp = '2025-01-02T00:00:00Z';
    const { issues, config } = build([newer, older]);
    assert.deepEqual(config.workloads.map((workload) => workload.name), ['b-old']);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.file, 'kubernetes:Pod/shop/a-new');
    assert.equal(issues[0]?.path, 'status.podIP');
    assert.match(issues[0]?.message ?? '', /already used by Workload shop\/b-old \(kubernetes:Pod\/shop\/b-old \[doc 0\]\)/);
  });

  it("gives each route its API object's creationTimestamp, the age that breaks precedence ties", () => {
    const web = service({ name: 'web', namespace: 'shop', clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80 }] });
    const parentRefs = [{ group: '', kind: 'Service', name: 'web', port: 80 }];
    const older = customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'older', { parentRefs }) as unknown as { metadata: { creationTimestamp: string } };
    older.metadata.creationTimestamp = '2024-06-01T10:00:00Z';
    const grpc = customResource('gateway.networking.k8s.io/v1', 'GRPCRoute', 'shop', 'rpc', { parentRefs });
    const unstamped = customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'unstamped', { parentRefs }) as unknown as { metadata: Record<string, unknown> };
    delete unstamped.metadata.creationTimestamp;
    const { config } = build([web, older, grpc, unstamped]);
    assert.deepEqual(config.httpRoutes.map((route) => [route.name, route.creationTimestamp]), [['unstamped', undefined], ['older', '2024-06-01T10:00:00Z']]);
    assert.deepEqual(config.grpcRoutes.map((route) => route.creationTimestamp), ['2025-01-01T00:00:00Z']);
  });

  it('reuses the parse of an unchanged object and drops the ones that went', () => {
    const builder = new KubernetesConfigBuilder();
    const web = mapped(mapService(asApi(service({ name: 'web', namespace: 'shop', clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80 }] }))));
    const first = builder.build([web]);
    const second = builder.build([web]);
    assert.equal(second.config.services[0]?.selector !== undefined, true);
    assert.deepEqual(second, first);
    assert.deepEqual(builder.build([]).config.services, []);
  });
});
