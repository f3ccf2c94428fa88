import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultResetRule, RecentOffenders, repeatOffenderRule, resetsSuspect, resetsTooMany } from './reset-rule.js';

test('the rapid-reset rule: at least 100 streams opened and more than half of them reset before an answer', () => {
  assert.equal(resetsTooMany(99, 99), false, 'too few streams to judge, even all reset');
  assert.equal(resetsTooMany(100, 50), false, 'half is not most');
  assert.equal(resetsTooMany(100, 51), true);
  assert.equal(resetsTooMany(1_000_000, 1000), false, "a long-lived session's timeouts");
  assert.equal(resetsTooMany(10, 6, repeatOffenderRule), true, 'a peer lately closed by the rule is judged after 10');
  assert.equal(resetsTooMany(10, 6, defaultResetRule), false);
});

test('a session is suspect once more than a tenth of what it opened was reset', () => {
  assert.equal(resetsSuspect(0, 0), false);
  assert.equal(resetsSuspect(100, 10), false);
  assert.equal(resetsSuspect(100, 11), true);
  assert.equal(resetsSuspect(1, 1), true);
});

test('recent offenders are remembered for a while, and only so many of them', () => {
  let now = 0;
  const offenders = new RecentOffenders(1000, 2, () => now);
  offenders.add('10.0.0.1');
  assert.equal(offenders.ruleFor('10.0.0.1'), repeatOffenderRule);
  assert.equal(offenders.ruleFor('10.0.0.2'), defaultResetRule);
  now = 1001;
  assert.equal(offenders.has('10.0.0.1'), false, 'forgotten after forMs');
  offenders.add('a');
  offenders.add('b');
  offenders.add('c');
  assert.deepEqual(['a', 'b', 'c'].map((p) => offenders.has(p)), [false, true, true], 'the oldest goes first past the capacity');
});
