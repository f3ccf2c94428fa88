/**
 * URLRewrite's path: the spec's ReplacePrefixMatch table
 * (HTTPPathModifier.ReplacePrefixMatch) and the conformance suite's cases,
 * request path in, upstream path out (tests/httproute-rewrite-path and
 * tests/mesh/httproute-rewrite-path, which have the same cases).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpPathModifier } from '../../model/route-types.js';
import { replacePrefixMatch, rewritePath, rewriteRequestTarget } from './path-rewrite.js';
import { PrefixNotMatchedError } from './route-errors.js';
import { RouteTable } from './route-table.js';
import { httpRoute, match, parent, request, rule, service } from './testing/route-fixtures.js';

describe('ReplacePrefixMatch, the spec table', () => {
  const table: Array<[string, string, string, string]> = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ];
  for (const [path, prefix, replacement, expected] of table) {
    it(`${path} with prefix ${prefix} replaced by ${JSON.stringify(replacement)} -> ${expected}`, () => {
      assert.equal(replacePrefixMatch(path, prefix, replacement), expected);
    });
  }

  it('replaces the prefix "/" by putting the replacement in front', () => {
    assert.equal(replacePrefixMatch('/a/b', '/', '/v1'), '/v1/a/b');
    assert.equal(replacePrefixMatch('/a', '/', '/'), '/a');
  });

  it('leaves a path the prefix does not match as it is', () => {
    assert.equal(replacePrefixMatch('/foobar', '/foo', '/xyz'), '/foobar');
  });
});

describe('conformance: httproute-rewrite-path', () => {
  const echo = service('shop', 'echo');
  const prefix = (value: string) => [match({ path: { type: 'PathPrefix', value } })];
  const rewrite = (path: HttpPathModifier) => ({ filters: [{ type: 'URLRewrite' as const, urlRewrite: { path } }] });
  const routes = RouteTable.compile({
    services: [echo],
    grpcRoutes: [],
    httpRoutes: [
      httpRoute('shop', 'mesh-rewrite-path', [parent('shop', 'echo', { port: 80 })], [
        rule('echo-v1', prefix('/prefix/one'), rewrite({ type: 'ReplacePrefixMatch', value: '/one' })),
        rule('echo-v1', prefix('/strip-prefix'), rewrite({ type: 'ReplacePrefixMatch', value: '/' })),
        rule('echo-v1', prefix('/full/one'), rewrite({ type: 'ReplaceFullPath', value: '/one' })),
        rule('echo-v1', prefix('/full/rewrite-path-and-modify-headers'), rewrite({ type: 'ReplaceFullPath', value: '/test' })),
        rule('echo-v1', prefix('/prefix/rewrite-path-and-modify-headers'), rewrite({ type: 'ReplacePrefixMatch', value: '/prefix' })),
      ]),
    ],
  });
  /** What the backend sees: the route table's hit, then its URLRewrite applied. */
  const upstream = (target: string) => {
    const view = request(target);
    const hit = routes.lookup(echo, 80, 'shop', view);
    assert.ok(hit?.outcome === 'matched' && hit.kind === 'HTTPRoute', `no route for ${target}`);
    const filter = hit.rule.filters.find((candidate) => candidate.type === 'URLRewrite');
    assert.ok(filter?.type === 'URLRewrite');
    return rewriteRequestTarget(view, filter.urlRewrite.path, hit.matchedPrefix);
  };
  const cases: Array<[string, string]> = [
    ['/prefix/one/two', '/one/two'],
    ['/strip-prefix/three', '/three'],
    ['/strip-prefix', '/'],
    ['/full/one/two', '/one'],
    ['/full/rewrite-path-and-modify-headers/test', '/test'],
    ['/prefix/rewrite-path-and-modify-headers/one', '/prefix/one'],
  ];
  for (const [path, expected] of cases) {
    it(`${path} -> ${expected}`, () => assert.equal(upstream(path), expected));
  }

  it('keeps the query', () => {
    assert.equal(upstream('/prefix/one/two?a=1&b=2'), '/one/two?a=1&b=2');
    assert.equal(upstream('/full/one/two?a=1'), '/one?a=1');
  });
});

describe('rewritePath', () => {
  it('needs the matched prefix for ReplacePrefixMatch, and says so with a coded error', () => {
    assert.throws(
      () => rewritePath('/a', { type: 'ReplacePrefixMatch', value: '/b' }, undefined),
      (error: unknown) => error instanceof PrefixNotMatchedError && error.code === 'WEFT_ERR_ROUTE_PREFIX_NOT_MATCHED',
    );
  });

  it('replaces the whole path with ReplaceFullPath, whatever matched', () => {
    assert.equal(rewritePath('/a/b/c', { type: 'ReplaceFullPath', value: '/x' }, '/a'), '/x');
    assert.equal(rewriteRequestTarget({ path: '/a', query: '' }, undefined, undefined), '/a');
  });
});
