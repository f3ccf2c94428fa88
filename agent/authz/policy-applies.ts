/**
 * Which workloads a policy covers, as Istio says: its namespace's workloads
 * (those its selector matches, or all of them without one); a policy in the
 * mesh root namespace covers every namespace the same way, so with a
 * selector it covers the matching workloads of every namespace.
 */
import { MESH_ROOT_NAMESPACE } from '../../model/policy-types.js';

export interface PolicyTarget {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

export function policyApplies(policy: { namespace: string; selector?: Record<string, string> }, workload: PolicyTarget): boolean {
  if (policy.namespace !== workload.namespace && policy.namespace !== MESH_ROOT_NAMESPACE) return false;
  return Object.entries(policy.selector ?? {}).every(([key, value]) => Object.hasOwn(workload.labels, key) && workload.labels[key] === value);
}
