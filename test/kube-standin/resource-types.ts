/**
 * The resource types the stand-in serves: what the API server's discovery
 * would say about each (group, version, plural, kind, scope). Built-in types
 * and custom resources differ on the wire in one way the source must cope
 * with: items of a built-in List carry no apiVersion/kind, a CR List's do.
 */
export interface ResourceType {
  /** '' for the core group (served under /api/v1). */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** A CustomResourceDefinition's type rather than one compiled into the API server. */
  custom: boolean;
}

export const resourceTypes: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, custom: false },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, custom: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, custom: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, custom: false },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, custom: false },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, custom: false },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true, custom: false },
  { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true, custom: true },
  { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'grpcroutes', kind: 'GRPCRoute', namespaced: true, custom: true },
  { group: 'weft.dev', version: 'v1alpha1', plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true, custom: true },
  { group: 'weft.dev', version: 'v1alpha1', plural: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true, custom: true },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The type an object belongs to, from its apiVersion and kind. */
export function typeOfObject(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((type) => apiVersionOf(type) === apiVersion && type.kind === kind);
}

/** The type a URL names: group and version from the path prefix, then the plural. */
export function typeAtPath(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((type) => type.group === group && type.version === version && type.plural === plural);
}
