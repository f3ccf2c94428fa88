/**
 * One rule: (no `from`, or any source) AND (no `to`, or any operation) AND
 * every `when`. On a connection with no HTTP (an opaque TCP port) Istio's
 * TCP filter rules apply, and both fail closed: an ALLOW rule that uses any
 * HTTP-only field matches nothing, while a DENY (or AUDIT) rule drops those
 * fields, so that an operation made only of them matches any request.
 */
import type { AuthorizationRule } from '../../model/policy-types.js';
import type { AuthzRequest } from './authz-request.js';
import { compileCondition } from './compile-condition.js';
import { compileOperation } from './compile-operation.js';
import { compileSource } from './compile-source.js';
import type { RequestTest, RulePart, RuleSide } from './rule-part.js';

export interface CompiledRule {
  /** Some field needs HTTP to be decided: the destination must parse the request. */
  readonly usesHttp: boolean;
  matches(request: AuthzRequest): boolean;
}

const all = (parts: readonly RulePart[]): RequestTest => (request) => parts.every((part) => part.test(request));

/** An empty list does not constrain; otherwise one of its entries must match. */
function anyOf(entries: readonly RulePart[][], keep: (part: RulePart) => boolean): RequestTest {
  if (entries.length === 0) return () => true;
  const tests = entries.map((parts) => all(parts.filter(keep)));
  return (request) => tests.some((test) => test(request));
}

function ruleTest(from: RulePart[][], to: RulePart[][], when: RulePart[], keep: (part: RulePart) => boolean): RequestTest {
  const sources = anyOf(from, keep);
  const operations = anyOf(to, keep);
  const conditions = all(when.filter(keep));
  return (request) => sources(request) && operations(request) && conditions(request);
}

export function compileRule(rule: AuthorizationRule, side: RuleSide): CompiledRule {
  const from = rule.from.map(compileSource);
  const to = rule.to.map(compileOperation);
  const when = rule.when.flatMap((condition) => compileCondition(condition, side));
  const usesHttp = [...from.flat(), ...to.flat(), ...when].some((part) => part.httpOnly);
  const onHttp = ruleTest(from, to, when, () => true);
  const onTcp: RequestTest = !usesHttp ? onHttp : side === 'allow' ? () => false : ruleTest(from, to, when, (part) => !part.httpOnly);
  return { usesHttp, matches: (request) => (request.http ? onHttp(request) : onTcp(request)) };
}
