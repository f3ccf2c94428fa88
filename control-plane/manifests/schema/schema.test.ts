/**
 * The CRDs' OpenAPI schemas will be derived from these objects, so they must
 * stay within what a Kubernetes structural schema accepts: no
 * patternProperties / propertyNames / $ref, and patterns RE2 can run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supportedKinds } from '../kinds.js';

const notStructural = ['patternProperties', 'propertyNames', '$ref', '$id', 'if', 'then', 'else', 'dependentSchemas'];

function* walk(node: unknown, path: string): Generator<[string, string, unknown]> {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    yield [path, key, value];
    yield* walk(value, `${path}/${key}`);
  }
}

describe('manifest schemas', () => {
  for (const [name, { schema }] of Object.entries(supportedKinds)) {
    it(`${name} is portable to OpenAPI and RE2`, () => {
      for (const [path, key, value] of walk(schema, '')) {
        assert.ok(!notStructural.includes(key), `${name}${path}: ${key}`);
        if (key === 'pattern') assert.doesNotMatch(String(value), /\(\?[=!<]|\\[1-9]/, `${name}${path}: lookaround or backreference`);
      }
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(schema)));
    });
  }

  it('accepts and refuses cgroup paths as documented', async () => {
    const { CgroupPath } = await import('./workload.js');
    const pattern = new RegExp(CgroupPath.pattern as string, 'u');
    for (const good of ['/a', '/weft-demo/node-1/reviews-v1-0', '/a/.hidden/b', '/a/..x', '/a/.']) assert.match(good, pattern);
    for (const bad of ['', '/', 'relative/path', '/a/../b', '/..', '/a/..', '/a//b', '/a/']) assert.doesNotMatch(bad, pattern, bad);
  });
});
