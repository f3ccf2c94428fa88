/**
 * GRPCRoute on a Service port: method and header matching, the GRPCRoute
 * spec's precedence (characters in a matching service, then method, then
 * header matches, then route age and name, then rule order), and the
 * conformance suite's cases (grpcroute-exact-method-matching,
 * grpcroute-header-matching).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GrpcMethodMatch, GrpcRoute, GrpcRouteMatch } from '../../model/route-types.js';
import { grpcMethodOf } from './grpc-route-match.js';
import { RouteTable } from './route-table.js';
import { headerMatchingCases, backendOf, grpcRoute, grpcRule, parent, request, service } from './testing/route-fixtures.js';

const echo = service('shop', 'echo', [{ port: 9090, name: 'grpc' }]);
const toEcho = [parent('shop', 'echo')];
const method = (fields: Omit<GrpcMethodMatch, 'type'> & { type?: GrpcMethodMatch['type'] }, headers: GrpcRouteMatch['headers'] = []): GrpcRouteMatch => ({
  method: { type: 'Exact', ...fields },
  headers,
});
const headers = (...pairs: Array<[string, string]>): GrpcRouteMatch => ({ headers: pairs.map(([name, value]) => ({ type: 'Exact', name, value })) });

function routing(...routes: GrpcRoute[]) {
  const table = RouteTable.compile({ services: [echo], httpRoutes: [], grpcRoutes: routes });
  return (path: string, metadata: Record<string, string> = {}) => backendOf(table.lookup(echo, 9090, 'shop', request(path, { method: 'POST', headers: metadata })));
}

describe('gRPC method matching', () => {
  it('splits the path into /<service>/<method>, and nothing else is a gRPC method', () => {
    assert.deepEqual(grpcMethodOf('/shop.v1.Reviews/Get'), { service: 'shop.v1.Reviews', method: 'Get' });
    for (const path of ['/', '/shop.v1.Reviews', '/shop.v1.Reviews/', '//Get', '/a/b/c', 'shop.v1.Reviews/Get']) assert.equal(grpcMethodOf(path), undefined, path);
  });

  it('matches Exact service and method with case', () => {
    const to = routing(grpcRoute('shop', 'g', toEcho, [grpcRule('v1', [method({ service: 'shop.v1.Reviews', method: 'Get' })])]));
    assert.equal(to('/shop.v1.Reviews/Get'), 'v1');
    assert.equal(to('/shop.v1.reviews/Get'), 'no-route');
    assert.equal(to('/shop.v1.Reviews/get'), 'no-route');
    assert.equal(to('/shop.v1.Reviews/List'), 'no-route');
  });

  it('matches any method of a service, or a method of any service, when only one is given', () => {
    const to = routing(grpcRoute('shop', 'g', toEcho, [grpcRule('service', [method({ service: 'shop.v1.Reviews' })]), grpcRule('method', [method({ method: 'Health' })])]));
    assert.equal(to('/shop.v1.Reviews/List'), 'service');
    assert.equal(to('/shop.v1.Ratings/Health'), 'method');
    assert.equal(to('/shop.v1.Ratings/List'), 'no-route');
  });

  it('matches a RegularExpression against the whole service or method name', () => {
    const to = routing(grpcRoute('shop', 'g', toEcho, [grpcRule('v1', [method({ type: 'RegularExpression', service: 'shop\\.v[0-9]+\\..*', method: 'Get|List' })])]));
    assert.equal(to('/shop.v2.Reviews/List'), 'v1');
    assert.equal(to('/shop.v2.Reviews/ListAll'), 'no-route');
    assert.equal(to('/x.shop.v2.Reviews/Get'), 'no-route');
  });

  it('matches every request with a rule without matches, and any path with a header-only match', () => {
    assert.equal(routing(grpcRoute('shop', 'g', toEcho, [grpcRule('all')]))('/anything/At'), 'all');
    assert.equal(routing(grpcRoute('shop', 'g', toEcho, [grpcRule('all')]))('/not-grpc'), 'all');
    assert.equal(routing(grpcRoute('shop', 'g', toEcho, [grpcRule('tenant', [headers(['x-tenant', 'acme'])])]))('/a.B/C', { 'X-Tenant': 'acme' }), 'tenant');
  });
});

describe('GRPCRoute precedence', () => {
  it('gives the most characters in a matching service precedence, over any method or header match', () => {
    const to = routing(
      grpcRoute('shop', 'g', toEcho, [
        grpcRule('short-service-and-method', [method({ service: 'a.B', method: 'Get' }, [{ type: 'Exact', name: 'h', value: '1' }])]),
        grpcRule('long-service', [method({ service: 'a.Bb' })]),
      ]),
    );
    assert.equal(to('/a.Bb/Get', { h: '1' }), 'long-service');
    assert.equal(to('/a.B/Get', { h: '1' }), 'short-service-and-method');
  });

  it('then the most characters in a matching method', () => {
    const to = routing(grpcRoute('shop', 'g', toEcho, [grpcRule('service-only', [method({ service: 'a.B' })]), grpcRule('service-and-method', [method({ service: 'a.B', method: 'Get' })])]));
    assert.equal(to('/a.B/Get'), 'service-and-method');
    assert.equal(to('/a.B/List'), 'service-only');
  });

  it('then the most header matches', () => {
    const to = routing(grpcRoute('shop', 'g', toEcho, [grpcRule('one', [headers(['a', '1'])]), grpcRule('two', [headers(['a', '1'], ['b', '2'])])]));
    assert.equal(to('/a.B/C', { a: '1', b: '2' }), 'two');
    assert.equal(to('/a.B/C', { a: '1' }), 'one');
  });

  it('ranks a RegularExpression name after any Exact one and before none, longer patterns first', () => {
    const to = routing(
      grpcRoute('shop', 'g', toEcho, [
        grpcRule('none', [headers(['a', '1'])]),
        grpcRule('short-regex', [method({ type: 'RegularExpression', service: '.*' })]),
        grpcRule('long-regex', [method({ type: 'RegularExpression', service: 'shop\\..*' })]),
        grpcRule('exact', [method({ service: 'x' })]),
      ]),
    );
    assert.equal(to('/x/Get', { a: '1' }), 'exact');
    assert.equal(to('/shop.Reviews/Get', { a: '1' }), 'long-regex');
    assert.equal(to('/other.Reviews/Get', { a: '1' }), 'short-regex');
  });

  it('then the oldest route, then "{namespace}/{name}", then the first rule', () => {
    const older = grpcRoute('shop', 'b', toEcho, [grpcRule('older')], { creationTimestamp: '2024-01-01T00:00:00Z' });
    const newer = grpcRoute('shop', 'a', toEcho, [grpcRule('newer')], { creationTimestamp: '2024-02-01T00:00:00Z' });
    const unstamped = grpcRoute('shop', '0', toEcho, [grpcRule('unstamped')]);
    assert.equal(routing(unstamped, newer, older)('/a.B/C'), 'older');
    assert.equal(routing(grpcRoute('shop', 'b', toEcho, [grpcRule('b')]), grpcRoute('shop', 'a', toEcho, [grpcRule('a')]))('/a.B/C'), 'a');
    assert.equal(routing(grpcRoute('shop', 'g', toEcho, [grpcRule('first'), grpcRule('second')]))('/a.B/C'), 'first');
  });
});

describe('conformance: grpcroute-exact-method-matching', () => {
  const service = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
  const to = routing(
    grpcRoute('shop', 'exact-matching', toEcho, [grpcRule('grpc-infra-backend-v1', [method({ service, method: 'Echo' })]), grpcRule('grpc-infra-backend-v2', [method({ service, method: 'EchoTwo' })])]),
  );
  it('Echo -> v1, EchoTwo -> v2, EchoThree -> UNIMPLEMENTED (no-route)', () => {
    assert.equal(to(`/${service}/Echo`), 'grpc-infra-backend-v1');
    assert.equal(to(`/${service}/EchoTwo`), 'grpc-infra-backend-v2');
    assert.equal(to(`/${service}/EchoThree`), 'no-route');
  });
});

describe('conformance: grpcroute-header-matching', () => {
  const to = routing(
    grpcRoute('shop', 'grpc-header-matching', toEcho, [
      grpcRule('v1', [headers(['version', 'one'])]),
      grpcRule('v2', [headers(['version', 'two'])]),
      grpcRule('v1', [headers(['version', 'two'], ['color', 'orange'])]),
      grpcRule('v1', [headers(['color', 'blue']), headers(['color', 'green'])]),
      grpcRule('v2', [headers(['color', 'red']), headers(['color', 'yellow'])]),
    ]),
  );
  const cases = headerMatchingCases;
  for (const [metadata, backend] of cases) {
    it(`${JSON.stringify(metadata)} -> ${backend}`, () => assert.equal(to('/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo', metadata), backend));
  }
});
