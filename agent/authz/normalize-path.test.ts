import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPathNormalization, normalizeRequestTarget, type PathNormalization } from './normalize-path.js';

const cases: Array<[target: string, path: string, query?: string]> = [
  ['/', '/'],
  ['/admin', '/admin'],
  ['//admin', '/admin'],
  ['///admin//x///', '/admin/x/'],
  ['/./admin', '/admin'],
  ['/x/../admin', '/admin'],
  ['/x/./../admin', '/admin'],
  ['/a/b/../../..', '/'],
  ['/..', '/'],
  ['/../../admin', '/admin'],
  ['/a/.', '/a/'],
  ['/a/b/..', '/a/'],
  ['/a//../b', '/a/b'],
  ['/a/..b/c.', '/a/..b/c.'],
  ['/%61dmin', '/admin'],
  ['/%41%5a%30%2d%2E%5F%7e', '/AZ0-._~'],
  ['/%2e%2e/admin', '/admin'],
  ['/x/%2E%2E/admin', '/admin'],
  ['/x/.%2e/admin', '/admin'],
  ['/admin%2Fx', '/admin/x'],
  ['/admin%2fx', '/admin/x'],
  ['/admin%5cx', '/admin/x'],
  ['/admin%5C..%5Cx', '/x'],
  ['/admin\\x', '/admin/x'],
  ['/x/%2F%2Fadmin', '/x/admin'],
  ['/x%2F..%2Fadmin', '/admin'],
  ['/a%3ab%3Fc%20d', '/a%3Ab%3Fc%20d'],
  ['/%252F', '/%252F'],
  ['/%25', '/%25'],
  ['/admin#x', '/admin'],
  ['/admin#x?y=1', '/admin'],
  ['/a?x=1#frag', '/a', 'x=1'],
  ['/a//b?x=//y', '/a/b', 'x=//y'],
  ['/a?x=%zz&y=..%2F', '/a', 'x=%zz&y=..%2F'],
  ['/a?', '/a', ''],
  ['/a?b?c', '/a', 'b?c'],
  ['http://reviews:9080/a//b?q=1', '/a/b', 'q=1'],
  ['http://reviews', '/'],
  ['https://reviews?q', '/', 'q'],
  ['*', '*'],
];

const rejected: Array<[target: string, reason: RegExp]> = [
  ['', /must start with '\/'/],
  ['admin', /must start with '\/'/],
  ['../admin', /must start with '\/'/],
  ['#/admin', /must start with '\/'/],
  ['/%zz', /malformed percent-encoding "%zz"/],
  ['/%4', /malformed percent-encoding "%4"/],
  ['/a%', /malformed percent-encoding "%"/],
  ['/%%41', /malformed percent-encoding/],
];

describe('normalizeRequestTarget', () => {
  it('defaults to Istio\'s DECODE_AND_MERGE_SLASHES', () => assert.equal(defaultPathNormalization, 'DECODE_AND_MERGE_SLASHES'));

  for (const [target, path, query = ''] of cases) {
    it(`${JSON.stringify(target)} -> ${JSON.stringify(path)}${query ? ` ? ${JSON.stringify(query)}` : ''}`, () => {
      assert.deepEqual(normalizeRequestTarget(target, 'DECODE_AND_MERGE_SLASHES'), { ok: true, path, query });
    });
  }

  for (const [target, reason] of rejected) {
    it(`refuses ${JSON.stringify(target)}`, () => {
      for (const mode of ['DECODE_AND_MERGE_SLASHES', 'REJECT_ENCODED_SLASHES'] satisfies PathNormalization[]) {
        const result = normalizeRequestTarget(target, mode);
        assert.equal(result.ok, false, mode);
        if (!result.ok) {
          assert.equal(result.status, 400);
          assert.match(result.reason, reason);
        }
      }
    });
  }

  it('REJECT_ENCODED_SLASHES refuses %2F and %5C, in either case', () => {
    for (const target of ['/admin%2Fx', '/admin%2fx', '/admin%5Cx', '/admin%5cx']) {
      const result = normalizeRequestTarget(target, 'REJECT_ENCODED_SLASHES');
      assert.equal(result.ok, false, target);
      if (!result.ok) assert.match(result.reason, /encoded slash %(2F|5C)/);
    }
  });

  it('REJECT_ENCODED_SLASHES normalises everything else the same way', () => {
    for (const [target, path, query = ''] of cases) {
      if (/%(2f|5c)/i.test(target.split('?')[0] ?? '')) continue;
      assert.deepEqual(normalizeRequestTarget(target, 'REJECT_ENCODED_SLASHES'), { ok: true, path, query }, target);
    }
  });

  it('is idempotent: a normalised path normalises to itself', () => {
    for (const [target] of cases) {
      const once = normalizeRequestTarget(target, 'DECODE_AND_MERGE_SLASHES');
      assert.ok(once.ok);
      assert.deepEqual(normalizeRequestTarget(once.path, 'DECODE_AND_MERGE_SLASHES'), { ok: true, path: once.path, query: '' }, target);
    }
  });
});
