/**
 * The policies covering one workload, and Istio's evaluation over them:
 * a matching DENY denies; else with no ALLOW policy the request is allowed;
 * else a matching ALLOW allows and anything else is denied. AUDIT policies
 * are evaluated on the side and only reported. Policies are in
 * namespace/name order, so the policy named is always the same one.
 */
import type { AuthzRequest } from './authz-request.js';
import type { CompiledPolicy } from './compiled-policy.js';
import type { AuthzDecision, AuthzMatch } from './decision.js';

export class WorkloadPolicies {
  /** No policy covers the workload: callers skip authorization altogether. */
  readonly none: boolean;
  /** Some rule reads HTTP (methods, paths, hosts, request headers): the destination must parse HTTP to decide. */
  readonly needsHttp: boolean;
  readonly #deny: readonly CompiledPolicy[];
  readonly #allow: readonly CompiledPolicy[];
  readonly #audit: readonly CompiledPolicy[];

  constructor(policies: readonly CompiledPolicy[]) {
    this.none = policies.length === 0;
    this.needsHttp = policies.some((policy) => policy.usesHttp);
    this.#deny = policies.filter((policy) => policy.action === 'DENY');
    this.#allow = policies.filter((policy) => policy.action === 'ALLOW');
    this.#audit = policies.filter((policy) => policy.action === 'AUDIT');
  }

  decide(request: AuthzRequest): AuthzDecision {
    if (this.none) return { allowed: true, reason: 'no policy selects the workload', audits: [] };
    const audits = matches(this.#audit, request);
    const deny = firstMatch(this.#deny, request);
    if (deny) return { allowed: false, policy: deny.policy, action: 'DENY', rule: deny.rule, reason: 'denied by policy', audits };
    if (this.#allow.length === 0) return { allowed: true, reason: 'no ALLOW policy applies', audits };
    const allow = firstMatch(this.#allow, request);
    if (allow) return { allowed: true, policy: allow.policy, action: 'ALLOW', rule: allow.rule, reason: 'allowed by policy', audits };
    return { allowed: false, reason: 'no ALLOW policy matched', audits };
  }
}

function firstMatch(policies: readonly CompiledPolicy[], request: AuthzRequest): AuthzMatch | undefined {
  for (const policy of policies) {
    const rule = policy.firstMatch(request);
    if (rule !== undefined) return { policy: policy.id, rule };
  }
  return undefined;
}

function matches(policies: readonly CompiledPolicy[], request: AuthzRequest): AuthzMatch[] {
  const found: AuthzMatch[] = [];
  for (const policy of policies) {
    const rule = policy.firstMatch(request);
    if (rule !== undefined) found.push({ policy: policy.id, rule });
  }
  return found;
}
