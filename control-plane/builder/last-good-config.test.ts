import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LastGoodConfig } from './last-good-config.js';
import { loadManifests } from '../manifests/load-manifests.js';
import { unknownNodes } from './unknown-nodes.js';

const service = (name: string, ip: string, port: number | string) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec:
  clusterIP: ${ip}
  selector: { app: ${name} }
  ports: [{ name: http, port: ${port} }]
`;

const route = (name: string, parent: string, port = 9080) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: ${parent} }]
  rules: [{ backendRefs: [{ name: ${parent}, port: ${port} }] }]
`;

const workload = `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-0, namespace: shop, labels: { app: reviews } }
spec: { node: node-1, ip: 10.244.1.12, cgroup: /t/reviews-0 }
`;

/** Loads files given as name -> documents. */
const load = (files: Record<string, string[]>) =>
  loadManifests(Object.entries(files).map(([file, documents]) => ({ file, text: documents.join('---\n') })));

const vips = (config: { services: Array<{ name: string; clusterIP: string }> }) =>
  Object.fromEntries(config.services.map((s) => [s.name, s.clusterIP]).sort(([a], [b]) => String(a).localeCompare(String(b))));

describe('LastGoodConfig', () => {
  it('keeps the old version of a Service edited into an invalid one, so its VIP keeps working', () => {
    const lastGood = new LastGoodConfig();
    const first = lastGood.update(load({ 'shop.yaml': [service('reviews', '10.96.0.20', 9080), service('ratings', '10.96.0.30', 9080), route('reviews', 'reviews')] }));
    assert.deepEqual(vips(first.config), { ratings: '10.96.0.30', reviews: '10.96.0.20' });
    assert.deepEqual(first.kept, []);

    // A typo: the port is out of range, and the new VIP must not take effect either.
    const broken = load({ 'shop.yaml': [service('reviews', '10.96.0.21', 70000), service('ratings', '10.96.0.30', 9080), route('reviews', 'reviews')] });
    assert.deepEqual(broken.config.services.map((s) => s.name), ['ratings']);
    const second = lastGood.update(broken);
    assert.deepEqual(vips(second.config), { ratings: '10.96.0.30', reviews: '10.96.0.20' });
    // The route to it failed its reference check this time, and is kept as well.
    assert.deepEqual(
      second.kept.map(({ resource, reason }) => [resource.kind, resource.namespace, resource.name, reason]),
      [
        ['Service', 'shop', 'reviews', 'spec.ports[0].port: must be <= 65535'],
        ['HTTPRoute', 'shop', 'reviews', 'spec.parentRefs[0].name: parent Service shop/reviews does not exist'],
      ],
    );
    assert.deepEqual(second.config.httpRoutes.map((r) => r.name), ['reviews']);
    assert.equal(lastGood.config, second.config);

    // Fixed: the new version (and its new VIP) takes over.
    const fixed = lastGood.update(load({ 'shop.yaml': [service('reviews', '10.96.0.21', 9080), service('ratings', '10.96.0.30', 9080), route('reviews', 'reviews')] }));
    assert.deepEqual(vips(fixed.config), { ratings: '10.96.0.30', reviews: '10.96.0.21' });
    assert.deepEqual(fixed.kept, []);
  });

  it('removes an object deleted from the source', () => {
    const lastGood = new LastGoodConfig();
    lastGood.update(load({ 'shop.yaml': [service('reviews', '10.96.0.20', 9080), service('ratings', '10.96.0.30', 9080)], 'w.yaml': [workload] }));
    const next = lastGood.update(load({ 'shop.yaml': [service('ratings', '10.96.0.30', 9080)] }));
    assert.deepEqual(vips(next.config), { ratings: '10.96.0.30' });
    assert.deepEqual(next.config.workloads, []);
    assert.deepEqual(next.kept, []);
  });

  it('does not invent a version for an object that was never good', () => {
    const lastGood = new LastGoodConfig();
    const result = lastGood.update(load({ 'shop.yaml': [service('reviews', '10.96.0.20', 70000)] }));
    assert.deepEqual(result.config.services, []);
    assert.deepEqual(result.kept, []);
  });

  it('keeps what vanished from a file that no longer parses, until it does', () => {
    const lastGood = new LastGoodConfig();
    lastGood.update(load({ 'a.yaml': [service('reviews', '10.96.0.20', 9080), workload], 'b.yaml': [service('ratings', '10.96.0.30', 9080)] }));
    // A YAML error names no object: everything that disappeared from a.yaml may be behind it.
    const broken = lastGood.update(load({ 'a.yaml': ['apiVersion: v1\nkind: [Service\n'], 'b.yaml': [] }));
    assert.deepEqual(vips(broken.config), { reviews: '10.96.0.20' });
    assert.deepEqual(broken.config.workloads.map((w) => w.name), ['reviews-0']);
    assert.deepEqual(broken.kept.map((k) => k.resource.name), ['reviews', 'reviews-0']);
    assert.match(broken.kept[0]?.reason ?? '', /YAML/);
    // b.yaml read fine and no longer has ratings: that one is gone.
    assert.ok(!broken.config.services.some((s) => s.name === 'ratings'));
  });

  it('drops a kept version that would clash with what was accepted, or point at a deleted Service', () => {
    const lastGood = new LastGoodConfig();
    lastGood.update(load({ 'shop.yaml': [service('reviews', '10.96.0.20', 9080), service('ratings', '10.96.0.30', 9080), route('ratings', 'ratings')] }));
    // reviews turns invalid while a new Service takes its old VIP; the ratings Service is deleted while its route breaks.
    const next = lastGood.update(
      load({ 'shop.yaml': [service('reviews', '10.96.0.21', 70000), service('details', '10.96.0.20', 9080), route('ratings', 'ratings', 9081)] }),
    );
    assert.deepEqual(vips(next.config), { details: '10.96.0.20' });
    assert.deepEqual(next.config.httpRoutes, []);
    assert.deepEqual(next.kept, []);
    assert.deepEqual(
      next.dropped.map(({ resource, reason }) => [resource.kind, resource.name, reason]),
      [
        ['Service', 'reviews', 'its address 10.96.0.20 is now used by another object'],
        ['HTTPRoute', 'ratings', 'Service shop/ratings no longer exists'],
      ],
    );
  });
});

describe('unknownNodes', () => {
  it('warns about workloads on nodes no agent has reported, and about nothing else', () => {
    const { config } = load({ 'w.yaml': [workload] });
    assert.deepEqual(unknownNodes(config, ['node-1']), []);
    const [warning, ...rest] = unknownNodes(config, new Set(['node-2']));
    assert.deepEqual(rest, []);
    assert.ok(warning);
    assert.equal(warning.severity, 'warning');
    assert.equal(warning.path, 'spec.node');
    assert.deepEqual(warning.resource, { kind: 'Workload', namespace: 'shop', name: 'reviews-0' });
    assert.match(warning.message, /node node-1 is not known/);
  });
});
