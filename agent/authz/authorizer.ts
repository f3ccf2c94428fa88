/**
 * Every AuthorizationPolicy of one config, compiled once; each workload's
 * share is picked on first use and kept for as long as the workload object
 * lives (a new config builds a new Authorizer, so nothing goes stale).
 */
import type { AuthorizationPolicy } from '../../model/policy-types.js';
import { CompiledPolicy } from './compiled-policy.js';
import { policyApplies, type PolicyTarget } from './policy-applies.js';
import { WorkloadPolicies } from './workload-policies.js';

const byNamespaceThenName = (a: AuthorizationPolicy, b: AuthorizationPolicy) =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export class Authorizer {
  readonly #policies: readonly CompiledPolicy[];
  readonly #byWorkload = new WeakMap<PolicyTarget, WorkloadPolicies>();
  readonly #nothing = new WorkloadPolicies([]);

  private constructor(policies: readonly CompiledPolicy[]) {
    this.#policies = policies;
  }

  static compile(policies: readonly AuthorizationPolicy[]): Authorizer {
    return new Authorizer([...policies].sort(byNamespaceThenName).map((policy) => new CompiledPolicy(policy)));
  }

  /** The policies covering this workload (policy-applies.ts), cached per workload object. */
  forWorkload(workload: PolicyTarget): WorkloadPolicies {
    let found = this.#byWorkload.get(workload);
    if (found === undefined) {
      const applying = this.#policies.filter((compiled) => policyApplies(compiled.policy, workload));
      found = applying.length === 0 ? this.#nothing : new WorkloadPolicies(applying);
      this.#byWorkload.set(workload, found);
    }
    return found;
  }
}
