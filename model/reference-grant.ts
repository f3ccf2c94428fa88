/**
 * Cross-namespace references from routes (GEP-709): a route may send to a
 * Service of another namespace only when that namespace allows it with a
 * ReferenceGrant, which Weft does not read yet, so it refuses every such
 * reference (fail closed: an unread grant must not mean "allowed") except
 * the one GAMMA needs without a grant: a consumer route sending to the very
 * Service it attaches to (GEP-1294; the mesh conformance suite's
 * MeshConsumerRoute). Refused references are ResolvedRefs=False
 * (RefNotPermitted) and the requests picked for them are answered 500.
 */
import type { RouteParentRef } from './route-types.js';

export function backendRefPermitted(routeNamespace: string, parentRefs: readonly Pick<RouteParentRef, 'namespace' | 'name'>[], ref: { namespace: string; name: string }): boolean {
  if (ref.namespace === routeNamespace) return true;
  return parentRefs.some((parent) => parent.namespace === ref.namespace && parent.name === ref.name);
}

export const refNotPermittedReason =
  'is in another namespace and is not the Service the route attaches to: that needs a ReferenceGrant in its namespace, which Weft does not support yet, so the reference is refused';
