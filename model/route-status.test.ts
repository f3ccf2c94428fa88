import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatParentStatus, routeStatus } from './route-status.js';
import type { HttpRoute, Service } from './types.js';

const source = { file: 'test', document: 0 };
const service = (name: string, ports: Service['ports']): Service => ({ name, namespace: 'shop', clusterIP: '10.96.0.1', selector: { app: name }, ports, source });
const services = [
  service('reviews', [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP', appProtocol: 'http' }]),
  service('db', [{ name: 'tcp', port: 5432, targetPort: 5432, protocol: 'TCP' }]),
];
const route = (parent: string, backend: string, port = 9080): HttpRoute => ({
  name: 'r',
  namespace: 'shop',
  parentRefs: [{ name: parent, namespace: 'shop' }],
  hostnames: [],
  source,
  rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }], filters: [], backendRefs: [{ name: backend, namespace: 'shop', port, weight: 1 }] }],
});
const conditions = (r: HttpRoute) => routeStatus(r, { services, grpcRoutes: [] })[0]!.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

test('a route on an HTTP port with its backends found: Accepted and ResolvedRefs, as the Gateway API writes them', () => {
  assert.deepEqual(conditions(route('reviews', 'reviews')), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
  assert.equal(formatParentStatus(routeStatus(route('reviews', 'reviews'), { services, grpcRoutes: [] })[0]!), 'Service shop/reviews: Accepted=True (Accepted), ResolvedRefs=True (ResolvedRefs)');
});

test('a route only on a TCP port is not accepted (UnsupportedValue); a missing parent is NoMatchingParent', () => {
  assert.deepEqual(conditions(route('db', 'reviews')), ['Accepted=False/UnsupportedValue', 'ResolvedRefs=True/ResolvedRefs']);
  assert.deepEqual(conditions(route('ratings', 'reviews')), ['Accepted=False/NoMatchingParent', 'ResolvedRefs=True/ResolvedRefs']);
});

test('a backendRef to a Service or port that does not exist: ResolvedRefs False, BackendNotFound, naming it', () => {
  assert.deepEqual(conditions(route('reviews', 'ratings')), ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
  const [status] = routeStatus(route('reviews', 'reviews', 9999), { services, grpcRoutes: [] });
  assert.match(formatParentStatus(status!), /ResolvedRefs=False \(BackendNotFound: Service shop\/reviews port 9999 does not exist\)/);
});

test('a backendRef to another namespace\'s Service that is not the parent: ResolvedRefs False, RefNotPermitted (no ReferenceGrant support yet, so refused)', () => {
  const crossNamespace: HttpRoute = { ...route('reviews', 'reviews'), namespace: 'frontend', parentRefs: [{ name: 'reviews', namespace: 'shop' }] };
  crossNamespace.rules[0]!.backendRefs = [{ name: 'db', namespace: 'shop', port: 5432, weight: 1 }];
  assert.deepEqual(conditions(crossNamespace), ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted']);
  // A consumer route sending to the Service it attaches to needs no grant (GEP-1294).
  crossNamespace.rules[0]!.backendRefs = [{ name: 'reviews', namespace: 'shop', port: 9080, weight: 1 }];
  assert.deepEqual(conditions(crossNamespace), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
});
