/**
 * Whether a Service selects a workload: same namespace, a non-empty selector, every selector
 * label matching. The control plane sends a workload to other nodes by this rule
 * (control-plane/server/scope-rules.ts) and the agent picks endpoints by it
 * (agent/state/service-index.ts); the two must never disagree.
 */
import type { Service, Workload } from './types.js';

export function serviceSelects(service: Service, workload: Workload): boolean {
  const selector = Object.entries(service.selector);
  return (
    workload.namespace === service.namespace &&
    selector.length > 0 &&
    selector.every(([key, value]) => workload.labels[key] === value)
  );
}
