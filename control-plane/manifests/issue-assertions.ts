/** Shared by the model's tests: find the line a planted mistake is on, and the issue reported for it. */
import assert from 'node:assert/strict';
import type { ConfigIssue } from '../../model/issues.js';
import { formatIssue } from '../../model/issues.js';

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  assert.notEqual(index, -1, `test text has no line with ${needle}`);
  return index + 1;
}

/** 1-based line (in the whole file) of the first line containing `needle` within YAML document `document`. */
export function lineInDocument(text: string, document: number, needle: string): number {
  const lines = text.split('\n');
  let current = 0;
  for (const [index, line] of lines.entries()) {
    if (line.startsWith('---')) current++;
    else if (current === document && line.includes(needle)) return index + 1;
  }
  assert.fail(`test text has no line with ${needle} in document ${document}`);
}

/** The one issue at `path` in `document`, asserting there is exactly one. */
export function issueAt(issues: readonly ConfigIssue[], document: number, path: string): ConfigIssue {
  const found = issues.filter((issue) => issue.document === document && issue.path === path);
  assert.equal(found.length, 1, `expected one issue at [doc ${document}] ${path}, got:\n${issues.map(formatIssue).join('\n')}`);
  return found[0] as ConfigIssue;
}

export function errors(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.filter((issue) => issue.severity === 'error');
}

/** The warning every object of a kind the proxy does not enforce yet gets (model/not-enforced.ts). */
export function isEnforcementNotice(issue: ConfigIssue): boolean {
  return issue.severity === 'warning' && issue.path === 'kind' && /is accepted and distributed, but not enforced: /.test(issue.message);
}

/** The issues other than those notices, after checking there is exactly one notice per such object. */
export function withoutEnforcementNotices(issues: readonly ConfigIssue[], expectedNotices: number): ConfigIssue[] {
  const notices = issues.filter(isEnforcementNotice);
  assert.equal(notices.length, expectedNotices, `expected ${expectedNotices} not-enforced notices, got:\n${notices.map(formatIssue).join('\n')}`);
  return issues.filter((issue) => !isEnforcementNotice(issue));
}
