/**
 * The registry the control plane and the agent use: every kind on the
 * discovery stream, one per Resource.body field of discovery.proto. Both ends
 * must list the same kinds; an agent that meets a kind it does not know NACKs
 * it and goes on with the rest.
 */
import { namespaceKind, nodeKind, serviceKind, workloadKind } from './core-codec.js';
import { policyKinds } from './policy-codec.js';
import { ResourceRegistry } from './resource-registry.js';

export const coreKinds = [serviceKind, workloadKind, namespaceKind, nodeKind] as const;

export function meshResources(): ResourceRegistry {
  return new ResourceRegistry([...coreKinds, ...policyKinds]);
}
