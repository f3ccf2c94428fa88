/** The terminal face of `weft check`: aligned plain-text columns, a fix under each missing row. */
import type { CheckResult, CheckStatus } from './check-types.js';

const marks: Record<CheckStatus, string> = { ok: '✓', missing: '✗', 'optional-missing': '!' };

/** Pads every column but the last to its widest cell; the last is left ragged. */
export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd());
}

export function renderCheckTable(results: CheckResult[]): string {
  const rows = [['', 'CHECK', 'STATUS', 'FOUND'], ...results.map((r) => [marks[r.status], r.name, r.status, r.detail])];
  const lines = alignColumns(rows);
  // The fix goes under the FOUND column, so it reads as part of its row.
  const indent = ' '.repeat(lines[0]!.indexOf('FOUND'));
  const out = [lines[0]!];
  results.forEach((result, i) => {
    out.push(lines[i + 1]!);
    if (result.status !== 'ok' && result.fix) out.push(`${indent}fix: ${result.fix}`);
  });
  return [...out, '', summaryLine(results)].join('\n') + '\n';
}

export function summaryLine(results: CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const missing = count('missing');
  const parts = [`${count('ok')} ok`, `${missing} missing`, `${count('optional-missing')} optional missing`];
  const verdict = missing ? 'Weft cannot run here until the missing items are fixed' : 'Weft can run here';
  return `${parts.join(', ')}: ${verdict}.`;
}
