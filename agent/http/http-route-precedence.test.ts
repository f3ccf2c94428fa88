/**
 * Which HTTPRoute rule wins when several match (HTTPRouteRule.matches):
 * every tie-break in the spec's order, then the Gateway API conformance
 * suite's own matching cases (tests/mesh/httproute-matching.yaml,
 * httproute-matching-across-routes, httproute-method-matching,
 * httproute-header-matching, httproute-query-param-matching).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRoute } from '../../model/route-types.js';
import { RouteTable } from './route-table.js';
import { headerMatchingCases, backendOf, httpRoute, match, parent, request, rule, service } from './testing/route-fixtures.js';

const echo = service('shop', 'echo');
const toEcho = [parent('shop', 'echo')];
const header = (name: string, value: string) => ({ type: 'Exact' as const, name, value });
const prefix = (value: string) => ({ type: 'PathPrefix' as const, value });
const exact = (value: string) => ({ type: 'Exact' as const, value });
const regex = (value: string) => ({ type: 'RegularExpression' as const, value });

function routing(...routes: HttpRoute[]) {
  const table = RouteTable.compile({ services: [echo], httpRoutes: routes, grpcRoutes: [] });
  return (target: string, options: Parameters<typeof request>[1] = {}) => backendOf(table.lookup(echo, 80, 'shop', request(target, options)));
}

describe('HTTPRoute precedence, criterion by criterion', () => {
  it('gives an Exact path precedence over any PathPrefix, and a PathPrefix over a RegularExpression', () => {
    const to = routing(httpRoute('shop', 'r', toEcho, [rule('regex', [match({ path: regex('/a.*') })]), rule('prefix', [match({ path: prefix('/') })]), rule('exact', [match({ path: exact('/abc') })])]));
    assert.equal(to('/abc'), 'exact');
    assert.equal(to('/abcd'), 'prefix', 'even the shortest prefix wins over a regular expression');
  });

  it('gives the longest PathPrefix precedence, a trailing slash not counted', () => {
    const to = routing(
      httpRoute('shop', 'r', toEcho, [rule('short', [match({ path: prefix('/v2') })]), rule('long', [match({ path: prefix('/v2/api') })]), rule('root', [match({ path: prefix('/') })])]),
    );
    assert.equal(to('/v2/api/x'), 'long');
    assert.equal(to('/v2/apix'), 'short');
    assert.equal(to('/v3'), 'root');
    // "/v2/" is the same prefix as "/v2": the tie goes to the first rule.
    const tie = routing(httpRoute('shop', 'r', toEcho, [rule('first', [match({ path: prefix('/v2') })]), rule('second', [match({ path: prefix('/v2/') })])]));
    assert.equal(tie('/v2/x'), 'first');
  });

  it('gives the longer of two regular expressions precedence, as Istio does', () => {
    const to = routing(httpRoute('shop', 'r', toEcho, [rule('short', [match({ path: regex('/.*') })]), rule('long', [match({ path: regex('/api/.*') })])]));
    assert.equal(to('/api/x'), 'long');
    assert.equal(to('/other'), 'short');
  });

  it('then a method match', () => {
    const to = routing(httpRoute('shop', 'r', toEcho, [rule('headers', [match({ headers: [header('a', '1'), header('b', '2')] })]), rule('method', [match({ method: 'GET' })])]));
    assert.equal(to('/', { headers: { a: '1', b: '2' } }), 'method');
    assert.equal(to('/', { method: 'POST', headers: { a: '1', b: '2' } }), 'headers');
  });

  it('then the most header matches, then the most query parameter matches', () => {
    const to = routing(
      httpRoute('shop', 'r', toEcho, [
        rule('two-queries', [match({ queryParams: [header('q', '1'), header('r', '2')] })]),
        rule('one-header', [match({ headers: [header('a', '1')] })]),
        rule('one-query', [match({ queryParams: [header('q', '1')] })]),
      ]),
    );
    assert.equal(to('/?q=1&r=2', { headers: { a: '1' } }), 'one-header');
    assert.equal(to('/?q=1&r=2'), 'two-queries');
    assert.equal(to('/?q=1'), 'one-query');
  });

  it('counts only the first of two header matches naming one header, which is also the only one that decides', () => {
    const repeated = rule('repeated', [match({ headers: [header('a', '1'), header('A', 'ignored')] })]);
    const two = rule('two', [match({ headers: [header('a', '1'), header('b', '2')] })]);
    const to = routing(httpRoute('shop', 'r', toEcho, [repeated, two]));
    assert.equal(to('/', { headers: { a: '1' } }), 'repeated', 'the second entry, a: ignored, is not required');
    assert.equal(to('/', { headers: { a: '1', b: '2' } }), 'two', 'two header matches outrank one');
  });

  it('breaks a tie between routes by age: the oldest creationTimestamp first', () => {
    const older = httpRoute('shop', 'z-older', toEcho, [rule('older')], { creationTimestamp: '2024-01-01T00:00:00Z' });
    const newer = httpRoute('shop', 'a-newer', toEcho, [rule('newer')], { creationTimestamp: '2024-01-01T00:00:01Z' });
    assert.equal(routing(newer, older)('/'), 'older');
    // Compared as times, not text: 09:00+02:00 is 07:00Z.
    const offset = httpRoute('shop', 'offset', toEcho, [rule('offset')], { creationTimestamp: '2024-01-01T09:00:00+02:00' });
    const utc = httpRoute('shop', 'utc', toEcho, [rule('utc')], { creationTimestamp: '2024-01-01T08:00:00Z' });
    assert.equal(routing(utc, offset)('/'), 'offset');
  });

  it('orders a route without a creationTimestamp (file mode) after every route with one', () => {
    const stamped = httpRoute('shop', 'z-stamped', toEcho, [rule('stamped')], { creationTimestamp: '2030-01-01T00:00:00Z' });
    const unstamped = httpRoute('shop', 'a-unstamped', toEcho, [rule('unstamped')]);
    assert.equal(routing(unstamped, stamped)('/'), 'stamped');
  });

  it('then by "{namespace}/{name}" in alphabetical order, whatever order the routes came in', () => {
    const b = httpRoute('shop', 'b', toEcho, [rule('b')]);
    const a = httpRoute('shop', 'a', toEcho, [rule('a')]);
    assert.equal(routing(b, a)('/'), 'a');
    assert.equal(routing(a, b)('/'), 'a');
    // Same age: the namespace/name order decides.
    const when = { creationTimestamp: '2024-01-01T00:00:00Z' };
    assert.equal(routing(httpRoute('shop', 'b', toEcho, [rule('b')], when), httpRoute('shop', 'a', toEcho, [rule('a')], when))('/'), 'a');
  });

  it('then the first matching rule in its route', () => {
    const to = routing(httpRoute('shop', 'r', toEcho, [rule('first', [match({ path: prefix('/x') })]), rule('second', [match({ path: prefix('/x') })])]));
    assert.equal(to('/x'), 'first');
  });

  it('ranks each match of a rule on its own: a rule wins by its best match that holds', () => {
    const both = rule('both', [match({ path: prefix('/') }), match({ path: exact('/special') })]);
    const middle = rule('middle', [match({ path: prefix('/special') })]);
    const to = routing(httpRoute('shop', 'r', toEcho, [middle, both]));
    assert.equal(to('/special'), 'both');
    assert.equal(to('/special/x'), 'middle');
  });
});

describe('conformance: tests/mesh/httproute-matching.yaml', () => {
  const to = routing(
    httpRoute('shop', 'mesh-matching', toEcho, [
      rule('echo-v1', [match({ path: prefix('/') }), match({ headers: [header('version', 'one')] })]),
      rule('echo-v2', [match({ path: prefix('/v2') }), match({ headers: [header('version', 'two')] })]),
    ]),
  );
  const cases: Array<[string, Record<string, string>, string]> = [
    ['/', {}, 'echo-v1'],
    ['/example', {}, 'echo-v1'],
    ['/', { Version: 'one' }, 'echo-v1'],
    ['/v2', {}, 'echo-v2'],
    ['/v2/example', {}, 'echo-v2'],
    ['/', { Version: 'two' }, 'echo-v2'],
    ['/v2/', {}, 'echo-v2'],
    ['/v2example', {}, 'echo-v1'],
    ['/foo/v2/example', {}, 'echo-v1'],
  ];
  for (const [path, headers, backend] of cases) {
    it(`${path} ${JSON.stringify(headers)} -> ${backend}`, () => assert.equal(to(path, { headers }), backend));
  }

  it('merges two routes on one Service just as one (httproute-matching-across-routes)', () => {
    const across = routing(
      httpRoute('shop', 'matching-part1', toEcho, [rule('v1', [match({ path: prefix('/') }), match({ headers: [header('version', 'one')] })])], { hostnames: ['example.com', 'example.net'] }),
      httpRoute('shop', 'matching-part2', toEcho, [rule('v2', [match({ path: prefix('/v2') }), match({ headers: [header('version', 'two')] })])], { hostnames: ['example.com'] }),
    );
    assert.equal(across('/example', { headers: { Version: 'one' } }), 'v1');
    assert.equal(across('/v2/example'), 'v2');
    assert.equal(across('/', { headers: { Version: 'two' } }), 'v2');
  });
});

describe('conformance: httproute-method-matching', () => {
  const method = (value: string) => ({ method: value as 'GET' });
  const to = routing(
    httpRoute('shop', 'method-matching', toEcho, [
      rule('v1', [match(method('POST'))]),
      rule('v2', [match(method('GET'))]),
      rule('v1', [match({ path: prefix('/path1'), ...method('GET') })]),
      rule('v2', [match({ headers: [header('version', 'one')], ...method('PUT') })]),
      rule('v3', [match({ path: prefix('/path2'), headers: [header('version', 'two')], ...method('POST') })]),
      rule('v1', [match({ path: prefix('/path3'), ...method('PATCH') }), match({ path: prefix('/path4'), headers: [header('version', 'three')], ...method('DELETE') })]),
      rule('v1', [match({ path: prefix('/path5') })]),
      rule('v2', [match(method('PATCH'))]),
      rule('v3', [match({ headers: [header('version', 'four')] })]),
    ]),
  );
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['POST', '/', {}, 'v1'],
    ['GET', '/', {}, 'v2'],
    ['HEAD', '/', {}, 'no-route'],
    ['GET', '/path1', {}, 'v1'],
    ['PUT', '/', { version: 'one' }, 'v2'],
    ['POST', '/path2', { version: 'two' }, 'v3'],
    ['PATCH', '/path3', {}, 'v1'],
    ['DELETE', '/path4', { version: 'three' }, 'v1'],
    ['PUT', '/', {}, 'no-route'],
    ['DELETE', '/path4', {}, 'no-route'],
    ['PATCH', '/path5', {}, 'v1'],
    ['PATCH', '/', { version: 'four' }, 'v2'],
  ];
  for (const [verb, path, headers, backend] of cases) {
    it(`${verb} ${path} ${JSON.stringify(headers)} -> ${backend}`, () => assert.equal(to(path, { method: verb, headers }), backend));
  }
});

describe('conformance: httproute-header-matching', () => {
  const to = routing(
    httpRoute('shop', 'header-matching', toEcho, [
      rule('v1', [match({ headers: [header('version', 'one')] })]),
      rule('v2', [match({ headers: [header('version', 'two')] })]),
      rule('v1', [match({ headers: [header('version', 'two'), header('color', 'orange')] })]),
      rule('v1', [match({ headers: [header('color', 'blue')] }), match({ headers: [header('color', 'green')] })]),
      rule('v2', [match({ headers: [header('color', 'red')] }), match({ headers: [header('color', 'yellow')] })]),
    ]),
  );
  const cases = headerMatchingCases;
  for (const [headers, backend] of cases) {
    it(`${JSON.stringify(headers)} -> ${backend}`, () => assert.equal(to('/', { headers }), backend));
  }
});

describe('conformance: httproute-query-param-matching', () => {
  const query = (name: string, value: string) => ({ type: 'Exact' as const, name, value });
  const to = routing(
    httpRoute('shop', 'query-param-matching', toEcho, [
      rule('v1', [match({ queryParams: [query('animal', 'whale')] })]),
      rule('v2', [match({ queryParams: [query('animal', 'dolphin')] })]),
      rule('v3', [match({ queryParams: [query('animal', 'dolphin'), query('color', 'blue')] }), match({ queryParams: [query('ANIMAL', 'Whale')] })]),
      rule('v1', [match({ path: prefix('/path1'), queryParams: [query('animal', 'whale')] })]),
      rule('v2', [match({ headers: [header('version', 'one')], queryParams: [query('animal', 'whale')] })]),
      rule('v3', [match({ path: prefix('/path2'), headers: [header('version', 'two')], queryParams: [query('animal', 'whale')] })]),
      rule('v1', [
        match({ path: prefix('/path3'), queryParams: [query('animal', 'shark')] }),
        match({ path: prefix('/path4'), headers: [header('version', 'three')], queryParams: [query('animal', 'kraken')] }),
      ]),
      rule('v1', [match({ path: prefix('/path5') })]),
      rule('v2', [match({ queryParams: [query('animal', 'hydra')] })]),
      rule('v3', [match({ headers: [header('version', 'four')] })]),
    ]),
  );
  const cases: Array<[string, Record<string, string>, string]> = [
    ['/?animal=whale', {}, 'v1'],
    ['/?animal=dolphin', {}, 'v2'],
    ['/?animal=dolphin&color=blue', {}, 'v3'],
    ['/?ANIMAL=Whale', {}, 'v3'],
    ['/?animal=whale&otherparam=irrelevant', {}, 'v1'],
    ['/?animal=dolphin&color=yellow', {}, 'v2'],
    ['/?color=blue', {}, 'no-route'],
    ['/?animal=dog', {}, 'no-route'],
    ['/?animal=whaledolphin', {}, 'no-route'],
    ['/', {}, 'no-route'],
    ['/path1?animal=whale', {}, 'v1'],
    ['/?animal=whale', { version: 'one' }, 'v2'],
    ['/path2?animal=whale', { version: 'two' }, 'v3'],
    ['/path3?animal=shark', {}, 'v1'],
    ['/path4?animal=kraken', { version: 'three' }, 'v1'],
    ['/?animal=shark', {}, 'no-route'],
    ['/path4?animal=kraken', {}, 'no-route'],
    ['/path5?animal=hydra', {}, 'v1'],
    ['/?animal=hydra', { version: 'four' }, 'v3'],
  ];
  for (const [target, headers, backend] of cases) {
    it(`${target} ${JSON.stringify(headers)} -> ${backend}`, () => assert.equal(to(target, { headers }), backend));
  }
});
