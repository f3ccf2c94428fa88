/** A MeshConfig with nothing in it: where a source starts, and what an empty directory gives. */
import type { MeshConfig } from './types.js';

export function emptyMeshConfig(): MeshConfig {
  return { nodes: [], services: [], workloads: [], httpRoutes: [], grpcRoutes: [], authorizationPolicies: [], peerAuthentications: [], namespaces: [] };
}
