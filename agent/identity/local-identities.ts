import type { MeshConfig } from '../../model/types.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';

/** The identities of this node's meshed workloads, once each: what the identity manager prefetches. */
export function localIdentities(config: MeshConfig, node: string, trustDomain: string): WorkloadIdentity[] {
  const identities = new Map<string, WorkloadIdentity>();
  for (const workload of config.workloads) {
    if (workload.node !== node || !workload.mesh) continue;
    const identity = { trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount };
    identities.set(spiffeId(identity), identity);
  }
  return [...identities.values()];
}
