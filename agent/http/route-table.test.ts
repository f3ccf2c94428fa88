/** Which routes a caller sees on a Service port (GEP-1294): ports, namespaces, kinds; and "no route" vs no routes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshConfig } from '../../model/types.js';
import { RouteTable } from './route-table.js';
import { backendOf, grpcRoute, grpcRule, httpRoute, match, parent, request, rule, service } from './testing/route-fixtures.js';

const reviews = service('shop', 'reviews', [
  { port: 80, name: 'http' },
  { port: 8080, name: 'admin' },
]);
const table = (config: Partial<MeshConfig>) => RouteTable.compile({ services: [reviews], httpRoutes: [], grpcRoutes: [], ...config });
const at = (routes: RouteTable, port: number, caller = 'shop', target = '/') => backendOf(routes.lookup(reviews, port, caller, request(target)));

describe('route attachment to Service ports', () => {
  it('attaches to every port of the Service when the parentRef names no port', () => {
    const routes = table({ httpRoutes: [httpRoute('shop', 'all', [parent('shop', 'reviews')], [rule('v2')])] });
    assert.equal(at(routes, 80), 'v2');
    assert.equal(at(routes, 8080), 'v2');
  });

  it('narrows to the port with that number (port) or that name (sectionName), or both', () => {
    const byPort = table({ httpRoutes: [httpRoute('shop', 'p', [parent('shop', 'reviews', { port: 8080 })], [rule('v2')])] });
    assert.equal(at(byPort, 80), 'no routes attached');
    assert.equal(at(byPort, 8080), 'v2');
    const byName = table({ httpRoutes: [httpRoute('shop', 's', [parent('shop', 'reviews', { sectionName: 'http' })], [rule('v2')])] });
    assert.equal(at(byName, 80), 'v2');
    assert.equal(at(byName, 8080), 'no routes attached');
    const both = table({ httpRoutes: [httpRoute('shop', 'b', [parent('shop', 'reviews', { port: 8080, sectionName: 'http' })], [rule('v2')])] });
    assert.equal(at(both, 80), 'no routes attached', 'port 80 is named http but is not 8080');
    assert.equal(at(both, 8080), 'no routes attached', 'port 8080 is 8080 but is named admin');
  });

  it('attaches nothing for a parentRef to a Service that does not exist, or to a port it does not have', () => {
    const routes = table({
      httpRoutes: [
        httpRoute('shop', 'ghost', [parent('shop', 'ratings')], [rule('v2')]),
        httpRoute('shop', 'wrong-port', [parent('shop', 'reviews', { port: 9999 })], [rule('v3')]),
        httpRoute('shop', 'wrong-namespace', [parent('bank', 'reviews')], [rule('v4')]),
      ],
    });
    assert.equal(at(routes, 80), 'no routes attached');
    assert.equal(routes.routesFor({ namespace: 'shop', name: 'ratings' }, 80, 'shop'), undefined);
  });

  it('attaches a route once even when two of its parentRefs select the same port', () => {
    const twice = httpRoute('shop', 'twice', [parent('shop', 'reviews', { port: 80 }), parent('shop', 'reviews', { sectionName: 'http' })], [rule('v2', [match({ path: { type: 'Exact', value: '/a' } })])]);
    const other = httpRoute('shop', 'other', [parent('shop', 'reviews')], [rule('v3', [match({ path: { type: 'Exact', value: '/b' } })])]);
    const routes = table({ httpRoutes: [twice, other] });
    assert.equal(at(routes, 80, 'shop', '/a'), 'v2');
    assert.equal(at(routes, 80, 'shop', '/b'), 'v3');
  });

  it('does not read hostnames: a mesh route applies whatever Host the request names', () => {
    const routes = table({ httpRoutes: [httpRoute('shop', 'h', [parent('shop', 'reviews')], [rule('v2')], { hostnames: ['elsewhere.example.com'] })] });
    assert.equal(backendOf(routes.lookup(reviews, 80, 'shop', request('/', { headers: { host: 'reviews.shop' } }))), 'v2');
  });
});

describe('producer and consumer routes', () => {
  const producer = httpRoute('shop', 'producer', [parent('shop', 'reviews')], [rule('v1'), rule('v1-exact', [match({ path: { type: 'Exact', value: '/only-producer' } })])]);
  const consumer = httpRoute('frontend', 'consumer', [parent('shop', 'reviews', { port: 80 })], [rule('v2', [match({ path: { type: 'PathPrefix', value: '/api' } })])]);
  const routes = table({ httpRoutes: [producer, consumer] });

  it('applies a producer route (in the Service\'s namespace) to callers from every namespace', () => {
    assert.equal(at(routes, 80, 'shop'), 'v1');
    assert.equal(at(routes, 80, 'bank'), 'v1');
  });

  it("applies a consumer route only to callers in the route's own namespace", () => {
    assert.equal(at(routes, 80, 'frontend', '/api/x'), 'v2');
    assert.equal(at(routes, 80, 'bank', '/api/x'), 'v1');
  });

  it('replaces the producer routes entirely for those callers: nothing is merged across the two', () => {
    // The producer's rules do not fill in for what the consumer route leaves unmatched.
    assert.equal(at(routes, 80, 'frontend', '/only-producer'), 'no-route');
    assert.equal(at(routes, 80, 'frontend', '/'), 'no-route');
  });

  it('replaces them per port: where the consumer route does not attach, the producer routes still apply', () => {
    assert.equal(at(routes, 8080, 'frontend', '/api/x'), 'v1');
  });

  it('merges the consumer routes of one namespace with each other, and no others', () => {
    const second = httpRoute('frontend', 'consumer-2', [parent('shop', 'reviews')], [rule('v3', [match({ path: { type: 'Exact', value: '/health' } })])]);
    const elsewhere = httpRoute('bank', 'consumer-3', [parent('shop', 'reviews')], [rule('v4')]);
    const merged = table({ httpRoutes: [producer, consumer, second, elsewhere] });
    assert.equal(at(merged, 80, 'frontend', '/api/x'), 'v2');
    assert.equal(at(merged, 80, 'frontend', '/health'), 'v3');
    assert.equal(at(merged, 80, 'bank', '/api/x'), 'v4');
    assert.equal(at(merged, 80, 'shop', '/api/x'), 'v1');
  });
});

describe('no routes, and no route', () => {
  it('says undefined for a port without routes (forward as without L7) and no-route when rules exist but none matches', () => {
    const routes = table({ httpRoutes: [httpRoute('shop', 'r', [parent('shop', 'reviews', { port: 80 })], [rule('v2', [match({ path: { type: 'PathPrefix', value: '/api' } })])])] });
    assert.equal(routes.lookup(reviews, 8080, 'shop', request('/x')), undefined);
    assert.deepEqual(routes.lookup(reviews, 80, 'shop', request('/x')), { outcome: 'no-route', kind: 'HTTPRoute' });
    assert.equal(RouteTable.EMPTY.lookup(reviews, 80, 'shop', request('/')), undefined);
  });

  it('names the route, the rule and, for a PathPrefix match, the prefix a ReplacePrefixMatch needs', () => {
    const exact = rule('v1', [match({ path: { type: 'Exact', value: '/exact' } })]);
    const prefix = rule('v2', [match({ path: { type: 'PathPrefix', value: '/api/' } })]);
    const routes = table({ httpRoutes: [httpRoute('shop', 'r', [parent('shop', 'reviews')], [exact, prefix])] });
    const hit = routes.lookup(reviews, 80, 'shop', request('/api/v1'));
    assert.deepEqual(hit, { outcome: 'matched', kind: 'HTTPRoute', route: { kind: 'HTTPRoute', namespace: 'shop', name: 'r' }, ruleIndex: 1, rule: prefix, matchedPrefix: '/api/' });
    assert.equal('matchedPrefix' in (routes.lookup(reviews, 80, 'shop', request('/exact')) ?? {}), false);
  });

  it('answers no-route on a GRPCRoute port with its kind, for UNIMPLEMENTED', () => {
    const routes = table({ grpcRoutes: [grpcRoute('shop', 'g', [parent('shop', 'reviews')], [grpcRule('v2', [{ method: { type: 'Exact', service: 'shop.Reviews' }, headers: [] }])])] });
    assert.equal(routes.routesFor(reviews, 80, 'shop')?.kind, 'GRPCRoute');
    assert.deepEqual(routes.lookup(reviews, 80, 'shop', request('/shop.Ratings/Get')), { outcome: 'no-route', kind: 'GRPCRoute' });
  });
});

describe('routes of two kinds on one port', () => {
  it('applies the GRPCRoutes and ignores the HTTPRoutes (GEP-1294: GRPCRoute is the more specific type)', () => {
    const http = httpRoute('shop', 'http', [parent('shop', 'reviews')], [rule('http-backend')]);
    const grpc = grpcRoute('shop', 'grpc', [parent('shop', 'reviews', { port: 8080 })], [grpcRule('grpc-backend')]);
    const routes = table({ httpRoutes: [http], grpcRoutes: [grpc] });
    assert.equal(at(routes, 8080, 'shop', '/shop.Reviews/Get'), 'grpc-backend');
    assert.equal(at(routes, 80, 'shop', '/shop.Reviews/Get'), 'http-backend');
  });

  it('decides per group: a consumer namespace with only HTTPRoutes keeps them when the producer has a GRPCRoute', () => {
    const grpc = grpcRoute('shop', 'grpc', [parent('shop', 'reviews')], [grpcRule('grpc-backend')]);
    const consumer = httpRoute('frontend', 'http', [parent('shop', 'reviews')], [rule('http-backend')]);
    const routes = table({ httpRoutes: [consumer], grpcRoutes: [grpc] });
    assert.equal(routes.routesFor(reviews, 80, 'frontend')?.kind, 'HTTPRoute');
    assert.equal(routes.routesFor(reviews, 80, 'shop')?.kind, 'GRPCRoute');
  });
});
