/**
 * One AuthorizationPolicy with its rules compiled once, whatever the
 * number of workloads it covers. No rules is a policy that matches nothing:
 * for ALLOW that is Istio's deny-all, since its existence still turns
 * deny-by-default on.
 */
import type { AuthorizationPolicy } from '../../model/policy-types.js';
import type { AuthzRequest } from './authz-request.js';
import { compileRule, type CompiledRule } from './compile-rule.js';
import { policyId } from './decision.js';
import { sideOf } from './rule-part.js';

export class CompiledPolicy {
  readonly id: string;
  readonly action: AuthorizationPolicy['action'];
  readonly usesHttp: boolean;
  readonly #rules: readonly CompiledRule[];

  constructor(readonly policy: AuthorizationPolicy) {
    this.id = policyId(policy);
    this.action = policy.action;
    this.#rules = policy.rules.map((rule) => compileRule(rule, sideOf(policy.action)));
    this.usesHttp = this.#rules.some((rule) => rule.usesHttp);
  }

  /** The index of the first rule that matches, or undefined. */
  firstMatch(request: AuthzRequest): number | undefined {
    const index = this.#rules.findIndex((rule) => rule.matches(request));
    return index < 0 ? undefined : index;
  }
}
