/**
 * The resource types the Kubernetes source watches, cluster-wide. Routes and
 * policies are custom resources whose CRDs may not be installed: their
 * absence is not an error (the mesh simply has none), the others' is.
 * Nodes are read for their addresses only (kubernetes-map-node.ts): they
 * are not manifests, and become the config's `nodes`.
 */
export type WatchedKind = 'Namespace' | 'Service' | 'Pod' | 'Node' | 'HTTPRoute' | 'GRPCRoute' | 'AuthorizationPolicy' | 'PeerAuthentication';

export interface WatchedResource {
  kind: WatchedKind;
  /** Group/version the source asks for: the API server converts stored objects to it. */
  apiVersion: string;
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  /** The cluster-wide collection, for list and watch. */
  path: string;
  /** A CRD's type: a 404 means "not installed", and the source goes on without it. */
  optional: boolean;
}

const core = (kind: WatchedKind, plural: string): WatchedResource => ({
  kind,
  apiVersion: 'v1',
  group: '',
  version: 'v1',
  plural,
  path: `/api/v1/${plural}`,
  optional: false,
});

const custom = (kind: WatchedKind, group: string, version: string, plural: string): WatchedResource => ({
  kind,
  apiVersion: `${group}/${version}`,
  group,
  version,
  plural,
  path: `/apis/${group}/${version}/${plural}`,
  optional: true,
});

export const watchedResources: readonly WatchedResource[] = [
  core('Namespace', 'namespaces'),
  core('Service', 'services'),
  core('Pod', 'pods'),
  core('Node', 'nodes'),
  custom('HTTPRoute', 'gateway.networking.k8s.io', 'v1', 'httproutes'),
  custom('GRPCRoute', 'gateway.networking.k8s.io', 'v1', 'grpcroutes'),
  custom('AuthorizationPolicy', 'weft.dev', 'v1alpha1', 'authorizationpolicies'),
  custom('PeerAuthentication', 'weft.dev', 'v1alpha1', 'peerauthentications'),
];
