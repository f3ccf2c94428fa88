/**
 * The pieces a compiled rule is made of. Each field of a source, an
 * operation or a condition becomes at most two parts (its values, ORed, and
 * its not-values, none of which may match), and every part knows whether it
 * reads HTTP: on a port with no HTTP, ALLOW and DENY treat those parts
 * differently (compile-rule.ts).
 */
import type { AuthzRequest } from './authz-request.js';

export type RequestTest = (request: AuthzRequest) => boolean;

export interface RulePart {
  httpOnly: boolean;
  test: RequestTest;
}

/**
 * Which way a rule's uncertainty must fall. An ALLOW rule matches only when
 * the request surely matches ('allow'); DENY and AUDIT match whenever it
 * might ('deny'), so that what cannot be read, or is read twice, never lets
 * a request past a DENY.
 */
export type RuleSide = 'allow' | 'deny';

export function sideOf(action: 'ALLOW' | 'DENY' | 'AUDIT'): RuleSide {
  return action === 'ALLOW' ? 'allow' : 'deny';
}

/**
 * The parts for one single-valued attribute: `read` gives it (undefined when
 * the request has none), `compile` turns one written value into a test of it.
 * An absent attribute matches no value, so it fails `values` and passes
 * `notValues`, as in Istio.
 */
export function attributeParts<P, V>(
  values: readonly P[],
  notValues: readonly P[],
  compile: (pattern: P) => (value: V | undefined) => boolean,
  read: (request: AuthzRequest) => V | undefined,
  httpOnly = false,
): RulePart[] {
  const parts: RulePart[] = [];
  if (values.length > 0) {
    const tests = values.map(compile);
    parts.push({ httpOnly, test: (request) => { const value = read(request); return tests.some((test) => test(value)); } });
  }
  if (notValues.length > 0) {
    const tests = notValues.map(compile);
    parts.push({ httpOnly, test: (request) => { const value = read(request); return !tests.some((test) => test(value)); } });
  }
  return parts;
}
