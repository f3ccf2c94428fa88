import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAtLeast, parseKernelRelease } from './kernel-version.js';

describe('kernel version', () => {
  it('parses uname releases as distributions print them', () => {
    assert.deepEqual(parseKernelRelease('6.18.44-fc-v769'), { major: 6, minor: 18, patch: 44 });
    assert.deepEqual(parseKernelRelease('6.1.0-18-amd64'), { major: 6, minor: 1, patch: 0 });
    assert.deepEqual(parseKernelRelease('5.10'), { major: 5, minor: 10, patch: 0 });
    assert.equal(parseKernelRelease('linux'), undefined);
  });

  it('compares minor versions numerically, not as text', () => {
    const at = (release: string) => isAtLeast(parseKernelRelease(release)!, 5, 10);
    assert.ok(at('5.10.0'));
    assert.ok(at('5.15.0-100-generic'));
    assert.ok(at('6.0.0'));
    assert.ok(!at('5.9.16'));
    assert.ok(!at('5.4.0-150-generic'));
    assert.ok(!at('4.19.0'));
  });
});
