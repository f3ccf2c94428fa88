/**
 * A route's status as the Gateway API writes it (status.parents[], one
 * entry per parentRef, each with conditions), computed from the config the
 * mesh runs: what the control plane writes to the API in Kubernetes mode and
 * what `weft config validate` prints for a directory, so both say the same.
 *
 * - Accepted: True (Accepted) when the parentRef attaches the route to at
 *   least one port that carries HTTP or gRPC; False (NoMatchingParent) when
 *   it names no existing Service port; False (UnsupportedValue) when it
 *   attaches only to TCP ports, where the proxy does not parse HTTP.
 * - ResolvedRefs: True (ResolvedRefs) when every backendRef and mirror
 *   backend is a Service port that exists; False (BackendNotFound) naming
 *   the first that is not (its requests are answered 500).
 */
import { servicePortProtocol } from './port-protocol.js';
import { backendRefPermitted, refNotPermittedReason } from './reference-grant.js';
import { parentRefSelects } from './route-parent.js';
import type { GrpcRoute, HttpRoute, RouteParentRef } from './route-types.js';
import type { MeshConfig } from './types.js';

export const routeControllerName = 'weft.dev/mesh-controller';

export interface RouteCondition {
  type: 'Accepted' | 'ResolvedRefs';
  status: 'True' | 'False';
  reason: 'Accepted' | 'NoMatchingParent' | 'UnsupportedValue' | 'ResolvedRefs' | 'BackendNotFound' | 'RefNotPermitted';
  message: string;
}

export interface RouteParentStatus {
  parentRef: RouteParentRef;
  controllerName: string;
  conditions: RouteCondition[];
}

function accepted(ref: RouteParentRef, config: Pick<MeshConfig, 'services' | 'grpcRoutes'>): RouteCondition {
  const ports = config.services.flatMap((service) => service.ports.filter((port) => parentRefSelects(ref, service, port)).map((port) => ({ service, port })));
  const named = `Service ${ref.namespace}/${ref.name}${ref.port !== undefined ? ` port ${ref.port}` : ''}${ref.sectionName !== undefined ? ` (${ref.sectionName})` : ''}`;
  if (ports.length === 0) return { type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: `${named} does not exist` };
  const carrying = ports.filter(({ service, port }) => servicePortProtocol(service, port, config.grpcRoutes) !== 'tcp');
  if (carrying.length === 0) {
    return {
      type: 'Accepted',
      status: 'False',
      reason: 'UnsupportedValue',
      message: `${named}: every port it attaches to is TCP (appProtocol tcp, a tcp- name or a server-first port), where the proxy does not parse HTTP`,
    };
  }
  return { type: 'Accepted', status: 'True', reason: 'Accepted', message: `attached to ${carrying.map(({ port }) => port.port).join(', ')} of Service ${ref.namespace}/${ref.name}` };
}

function resolvedRefs(route: HttpRoute | GrpcRoute, config: Pick<MeshConfig, 'services'>): RouteCondition {
  const exists = (ref: { namespace: string; name: string; port: number }) =>
    config.services.some((service) => service.namespace === ref.namespace && service.name === ref.name && service.ports.some((port) => port.port === ref.port));
  for (const rule of route.rules) {
    const refs = [...rule.backendRefs, ...rule.filters.flatMap((filter) => (filter.type === 'RequestMirror' ? [filter.requestMirror.backendRef] : []))];
    const refused = refs.find((ref) => !backendRefPermitted(route.namespace, route.parentRefs, ref));
    if (refused) {
      return { type: 'ResolvedRefs', status: 'False', reason: 'RefNotPermitted', message: `Service ${refused.namespace}/${refused.name} ${refNotPermittedReason}` };
    }
    const missing = refs.find((ref) => !exists(ref));
    if (missing) {
      return { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: `Service ${missing.namespace}/${missing.name} port ${missing.port} does not exist` };
    }
  }
  return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'every backend is a Service port that exists' };
}

export function routeStatus(route: HttpRoute | GrpcRoute, config: Pick<MeshConfig, 'services' | 'grpcRoutes'>): RouteParentStatus[] {
  const refs = resolvedRefs(route, config);
  return route.parentRefs.map((parentRef) => ({ parentRef, controllerName: routeControllerName, conditions: [accepted(parentRef, config), refs] }));
}

/** One line per parent: `Service shop/reviews:9080: Accepted=True (Accepted), ResolvedRefs=True (ResolvedRefs)`. */
export function formatParentStatus(status: RouteParentStatus): string {
  const { parentRef: ref } = status;
  const parent = `Service ${ref.namespace}/${ref.name}${ref.port !== undefined ? `:${ref.port}` : ''}${ref.sectionName !== undefined ? ` (${ref.sectionName})` : ''}`;
  const conditions = status.conditions.map((c) => `${c.type}=${c.status} (${c.reason}${c.status === 'False' ? `: ${c.message}` : ''})`).join(', ');
  return `${parent}: ${conditions}`;
}
