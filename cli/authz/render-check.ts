/**
 * `weft authz check` output: one line per destination, verdict first so
 * `grep ^DENY` and `awk '{print $1}'` work, or the results as a JSON array.
 * The exit code: 0 when every destination allows, 1 when any denies.
 */
import type { CheckResult } from './check-authz.js';

function explanation(result: CheckResult): string {
  const decided = result.policy === undefined ? result.reason : `${result.reason} ${result.policy}${result.rule === undefined ? '' : ` rule ${result.rule}`}`;
  const audits = result.audits.map((audit) => `audit ${audit.policy} rule ${audit.rule}`);
  const path = result.http ? [`path=${result.http.path}`] : [];
  return [decided, ...audits, ...path].join('  ');
}

export function renderCheckText(results: readonly CheckResult[]): string {
  const lines = results.map((result) => {
    const verdict = (result.allowed ? 'ALLOW' : 'DENY').padEnd(5);
    const { workload, ip, port } = result.destination;
    return `${verdict} ${workload} ${ip}:${port}  ${explanation(result)}`;
  });
  // The notes are the same for every destination of one check: say each once, after the verdicts.
  const notes = [...new Set(results.flatMap((result) => (result.note ? [result.note] : [])))];
  return [...lines, ...notes.map((note) => `note: ${note}`)].join('\n') + '\n';
}

export function renderCheckJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

export function checkExitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.length > 0 && results.every((result) => result.allowed) ? 0 : 1;
}
