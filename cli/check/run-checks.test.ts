import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckDefinition } from './check-types.js';
import { passed, runChecks } from './run-checks.js';

const context = { addonLoaded: true, bpfSyscall: 1 };
const definition = (id: string, required: boolean, run: CheckDefinition['run']): CheckDefinition => ({ id, name: id, required, run });

describe('run checks', () => {
  it('maps findings to statuses by requiredness, and keeps the fix only when not ok', () => {
    const results = runChecks(
      [
        definition('a', true, () => ({ ok: true, detail: 'fine', fix: 'never shown' })),
        definition('b', true, () => ({ ok: false, detail: 'absent', fix: 'add it' })),
        definition('c', false, () => ({ ok: false, detail: 'absent', fix: 'install it' })),
      ],
      context,
    );
    assert.deepEqual(results, [
      { id: 'a', name: 'a', required: true, status: 'ok', detail: 'fine' },
      { id: 'b', name: 'b', required: true, status: 'missing', detail: 'absent', fix: 'add it' },
      { id: 'c', name: 'c', required: false, status: 'optional-missing', detail: 'absent', fix: 'install it' },
    ]);
    assert.equal(passed(results), false);
    assert.equal(passed([results[0]!, results[2]!]), true);
  });

  it('turns a check that throws into a missing row instead of a crash', () => {
    const [result] = runChecks([definition('x', true, () => { throw new Error('EACCES: /proc/self/status'); })], context);
    assert.equal(result?.status, 'missing');
    assert.match(result?.detail ?? '', /check failed: EACCES/);
  });
});
