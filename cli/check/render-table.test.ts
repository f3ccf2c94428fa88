import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from './check-types.js';
import { alignColumns, renderCheckTable, summaryLine } from './render-table.js';

const results: CheckResult[] = [
  { id: 'kernel-version', name: 'kernel >= 5.10', required: true, status: 'ok', detail: 'Linux 6.1.0-18-amd64' },
  { id: 'bpffs', name: 'bpffs', required: true, status: 'missing', detail: 'not mounted at /sys/fs/bpf', fix: 'mount -t bpf bpf /sys/fs/bpf' },
  { id: 'tool-nsenter', name: 'tool nsenter', required: false, status: 'optional-missing', detail: 'not in PATH', fix: 'apt-get install util-linux' },
];

describe('render table', () => {
  it('aligns columns to the widest cell and leaves the last one ragged', () => {
    assert.deepEqual(alignColumns([['a', 'bbb', 'c'], ['dddd', 'e', 'ffffff'], ['g', '', '']]), [
      'a     bbb  c',
      'dddd  e    ffffff',
      'g',
    ]);
  });

  it('renders marks, statuses, details and a fix under each row that is not ok', () => {
    assert.equal(
      renderCheckTable(results),
      [
        '   CHECK           STATUS            FOUND',
        '✓  kernel >= 5.10  ok                Linux 6.1.0-18-amd64',
        '✗  bpffs           missing           not mounted at /sys/fs/bpf',
        '                                     fix: mount -t bpf bpf /sys/fs/bpf',
        '!  tool nsenter    optional-missing  not in PATH',
        '                                     fix: apt-get install util-linux',
        '',
        '1 ok, 1 missing, 1 optional missing: Weft cannot run here until the missing items are fixed.',
        '',
      ].join('\n'),
    );
  });

  it('says Weft can run when only optional items are missing', () => {
    assert.equal(summaryLine([results[0]!, results[2]!]), '1 ok, 0 missing, 1 optional missing: Weft can run here.');
  });
});
