/**
 * The registry the control plane and the agent use: every kind on the
 * discovery stream, one per Resource.body field of discovery.proto, each
 * with its codec in codecs/. Both ends must list the same kinds; an agent
 * that meets a kind it does not know NACKs it and goes on with the rest.
 */
import { authorizationPolicyKind } from './codecs/authorization-policy.js';
import { grpcRouteKind } from './codecs/grpc-route.js';
import { httpRouteKind } from './codecs/http-route.js';
import { namespaceKind } from './codecs/namespace.js';
import { nodeKind } from './codecs/node.js';
import { peerAuthenticationKind } from './codecs/peer-authentication.js';
import { serviceKind } from './codecs/service.js';
import { workloadKind } from './codecs/workload.js';
import { ResourceRegistry } from './resource-registry.js';

/** Resource.body fields 10, 11, 16 and 17 of discovery.proto. */
export const coreKinds = [serviceKind, workloadKind, namespaceKind, nodeKind] as const;

/** Resource.body fields 12-15 of discovery.proto. */
export const policyKinds = [httpRouteKind, grpcRouteKind, authorizationPolicyKind, peerAuthenticationKind] as const;

export function meshResources(): ResourceRegistry {
  return new ResourceRegistry([...coreKinds, ...policyKinds]);
}
