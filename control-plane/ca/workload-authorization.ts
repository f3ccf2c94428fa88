/**
 * The CA's one authorization rule: a node may have a certificate for
 * (namespace, serviceAccount) only while the config the control plane
 * serves has a meshed workload of that identity scheduled on that node.
 * So a compromised node can obtain the identities of its own pods, never
 * those of pods elsewhere.
 */
import type { MeshConfig } from '../../model/types.js';

export interface AuthorizationDecision {
  allowed: boolean;
  /** Nodes where meshed workloads of the identity run (sorted): for the refusal's log line. */
  runsOn: string[];
}

export function authorizeIdentity(config: MeshConfig, node: string, namespace: string, serviceAccount: string): AuthorizationDecision {
  const nodes = new Set<string>();
  for (const workload of config.workloads) {
    if (workload.mesh && workload.namespace === namespace && workload.serviceAccount === serviceAccount) nodes.add(workload.node);
  }
  return { allowed: nodes.has(node), runsOn: [...nodes].sort() };
}
