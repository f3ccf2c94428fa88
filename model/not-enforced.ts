/**
 * Kinds the control plane accepts and distributes but the proxy does not act on yet. Accepted
 * config must never be silently ignored: until a kind is enforced, `weft config validate`
 * warns on each object of it, the agent logs it and `weft status` lists it. Remove a kind from
 * here in the change that enforces it.
 */
import { routeOnlyOnTcpPorts, routeOnTcpReason } from './route-on-tcp.js';
import type { GrpcRoute, HttpRoute, MeshConfig } from './types.js';

/** Kinds not enforced at all; a route is not enforced where it attaches only to TCP ports (route-on-tcp.ts). */
export const notEnforcedKinds: Readonly<Record<never, string>> = {};

export type NotEnforcedKind = keyof typeof notEnforcedKinds;

export interface NotEnforcedObject {
  kind: NotEnforcedKind | 'HTTPRoute' | 'GRPCRoute';
  /** why the proxy does not act on it */
  why: string;
  namespace: string;
  name: string;
}

export function isNotEnforcedKind(kind: string): kind is NotEnforcedKind {
  return Object.hasOwn(notEnforcedKinds, kind);
}

export function notEnforcedObjects(config: MeshConfig): NotEnforcedObject[] {
  const onTcp = (route: HttpRoute | GrpcRoute) => routeOnlyOnTcpPorts(route, config.services, config.grpcRoutes).length > 0;
  const said = (kind: NotEnforcedObject['kind'], why: string) => ({ namespace, name }: { namespace: string; name: string }) => ({ kind, namespace, name, why });
  return [
    ...config.httpRoutes.filter(onTcp).map(said('HTTPRoute', routeOnTcpReason)),
    ...config.grpcRoutes.filter(onTcp).map(said('GRPCRoute', routeOnTcpReason)),
  ];
}
