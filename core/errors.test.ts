import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as errors from './errors.js';

test('a WeftError carries its code, its class name and its cause', () => {
  const cause = new Error('underneath');
  const error = new errors.WeftError('WEFT_ERR_X', 'what failed', { cause });
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'WEFT_ERR_X');
  assert.equal(error.name, 'WeftError');
  assert.equal(error.message, 'what failed');
  assert.equal(error.cause, cause);
  class Subclass extends errors.WeftError {}
  assert.equal(new Subclass('WEFT_ERR_Y', 'x').name, 'Subclass');
});

// Each domain's classes live (and are sampled) in its own *-errors.ts; test/integration/error-codes.test.ts
// checks that no code has two owners across the tree (the addon's C++ and ad-hoc codes too).
test('the bottom floor holds the base class, not the domains\' classes', () => {
  const subclasses = Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof errors.WeftError)
    .map(([name]) => name);
  assert.deepEqual(subclasses, []);
});
