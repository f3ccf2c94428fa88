/** What one HTTPRouteMatch accepts: path kinds, case rules, repeated headers and parameters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderMatch, HttpRouteMatch } from '../../model/route-types.js';
import { compileHttpMatch, HttpMatchInput } from './http-route-match.js';
import { pathPrefixMatches } from './path-match.js';
import { match, request } from './testing/route-fixtures.js';

const accepts = (fields: Partial<HttpRouteMatch>, target: string, options: Parameters<typeof request>[1] = {}) =>
  compileHttpMatch(match(fields)).test(new HttpMatchInput(request(target, options)));
const exactHeader = (name: string, value: string): HeaderMatch => ({ type: 'Exact', name, value });

describe('PathPrefix matches whole path elements', () => {
  it('/v2 matches /v2, /v2/ and /v2/x, not /v2example', () => {
    assert.ok(pathPrefixMatches('/v2', '/v2'));
    assert.ok(pathPrefixMatches('/v2', '/v2/'));
    assert.ok(pathPrefixMatches('/v2', '/v2/x'));
    assert.ok(!pathPrefixMatches('/v2', '/v2example'));
    assert.ok(!pathPrefixMatches('/v2', '/v'));
    assert.ok(!pathPrefixMatches('/v2', '/x/v2'));
  });

  it('ignores a trailing slash on the prefix: /v2/ matches /v2 too', () => {
    assert.ok(pathPrefixMatches('/v2/', '/v2'));
    assert.ok(pathPrefixMatches('/v2/', '/v2/x'));
    assert.ok(!pathPrefixMatches('/v2/', '/v2x'));
  });

  it('/ matches every path', () => {
    for (const path of ['/', '/a', '/a/b/', '//']) assert.ok(pathPrefixMatches('/', path), path);
  });

  it('is case-sensitive', () => {
    assert.ok(!pathPrefixMatches('/api', '/API'));
    assert.ok(!pathPrefixMatches('/api', '/Api/x'));
  });
});

describe('path Exact and RegularExpression', () => {
  it('Exact is the whole path, with case: /abc is not /abc/, /Abc or /abcd', () => {
    const exact = { path: { type: 'Exact' as const, value: '/abc' } };
    assert.ok(accepts(exact, '/abc'));
    for (const path of ['/abc/', '/Abc', '/abcd']) assert.ok(!accepts(exact, path), path);
  });

  it('the query is never part of the path', () => {
    assert.ok(accepts({ path: { type: 'Exact', value: '/abc' } }, '/abc?x=1'));
  });

  it('a RegularExpression must match the whole path', () => {
    const api = { path: { type: 'RegularExpression' as const, value: '/api/v[0-9]+' } };
    assert.ok(accepts(api, '/api/v12'));
    assert.ok(!accepts(api, '/api/v12/x'));
    assert.ok(!accepts(api, '/x/api/v12'));
    assert.ok(!accepts(api, '/API/v12'));
  });
});

describe('header matches', () => {
  it('match names case-insensitively', () => {
    assert.ok(accepts({ headers: [exactHeader('X-Version', 'one')] }, '/', { headers: { 'x-version': 'one' } }));
    assert.ok(accepts({ headers: [exactHeader('x-version', 'one')] }, '/', { headers: { 'X-VERSION': 'one' } }));
  });

  it('match Exact values with case', () => {
    assert.ok(!accepts({ headers: [exactHeader('version', 'one')] }, '/', { headers: { version: 'One' } }));
    assert.ok(!accepts({ headers: [exactHeader('version', 'one')] }, '/', { headers: { version: 'one ' } }));
  });

  it('match a RegularExpression against the whole value', () => {
    const user = { headers: [{ type: 'RegularExpression' as const, name: 'x-user', value: 'tester-[0-9]+' }] };
    assert.ok(accepts(user, '/', { headers: { 'x-user': 'tester-42' } }));
    assert.ok(!accepts(user, '/', { headers: { 'x-user': 'tester-42x' } }));
    assert.ok(!accepts(user, '/'));
  });

  it('match a repeated header as its values joined with ","', () => {
    assert.ok(accepts({ headers: [exactHeader('x', 'a,b')] }, '/', { headers: { x: ['a', 'b'] } }));
    assert.ok(!accepts({ headers: [exactHeader('x', 'a')] }, '/', { headers: { x: ['a', 'b'] } }));
  });

  it('need every header of the match (AND), and the header present', () => {
    const both = { headers: [exactHeader('a', '1'), exactHeader('b', '2')] };
    assert.ok(accepts(both, '/', { headers: { a: '1', b: '2' } }));
    assert.ok(!accepts(both, '/', { headers: { a: '1' } }));
  });

  it('consider only the first entry naming a header (names compared without case)', () => {
    assert.ok(accepts({ headers: [exactHeader('a', '1'), exactHeader('A', '2')] }, '/', { headers: { a: '1' } }));
    assert.ok(!accepts({ headers: [exactHeader('a', '1'), exactHeader('A', '2')] }, '/', { headers: { a: '2' } }));
  });
});

describe('query parameter matches', () => {
  const animal = (name: string, value: string, type: HeaderMatch['type'] = 'Exact') => ({ queryParams: [{ type, name, value }] });

  it('match names and values exactly, with case', () => {
    assert.ok(accepts(animal('animal', 'whale'), '/?animal=whale'));
    assert.ok(!accepts(animal('animal', 'whale'), '/?ANIMAL=whale'));
    assert.ok(!accepts(animal('animal', 'whale'), '/?animal=Whale'));
    assert.ok(!accepts(animal('animal', 'whale'), '/?animal=whaledolphin'));
  });

  it('take the first value of a repeated parameter', () => {
    assert.ok(accepts(animal('animal', 'whale'), '/?animal=whale&animal=dolphin'));
    assert.ok(!accepts(animal('animal', 'dolphin'), '/?animal=whale&animal=dolphin'));
  });

  it('compare decoded values', () => {
    assert.ok(accepts(animal('q', 'a b'), '/?q=a%20b'));
    assert.ok(accepts(animal('q', 'a b'), '/?q=a+b'));
  });

  it('match a RegularExpression against the whole value', () => {
    assert.ok(accepts(animal('id', '[0-9]+', 'RegularExpression'), '/?id=123'));
    assert.ok(!accepts(animal('id', '[0-9]+', 'RegularExpression'), '/?id=123a'));
    assert.ok(!accepts(animal('id', '[0-9]+', 'RegularExpression'), '/'));
  });

  it('consider only the first entry naming a parameter (names compared with case)', () => {
    const repeated = { queryParams: [{ type: 'Exact' as const, name: 'a', value: '1' }, { type: 'Exact' as const, name: 'a', value: '2' }] };
    assert.ok(accepts(repeated, '/?a=1'));
    const cased = { queryParams: [{ type: 'Exact' as const, name: 'a', value: '1' }, { type: 'Exact' as const, name: 'A', value: '2' }] };
    assert.ok(!accepts(cased, '/?a=1'), 'A is another parameter, and it is required');
  });
});

describe('method matches', () => {
  it('match the method exactly: HEAD is not GET', () => {
    assert.ok(accepts({ method: 'GET' }, '/', { method: 'GET' }));
    assert.ok(!accepts({ method: 'GET' }, '/', { method: 'HEAD' }));
    assert.ok(!accepts({ method: 'GET' }, '/', { method: 'get' }));
  });
});
