/**
 * Which routes apply to whom on each Service port (GEP-1294, "Namespace
 * boundaries" and "Multiple routes for a Service"):
 *
 * - a route attaches to the Service ports its parentRefs select
 *   (model/route-parent.ts); a parentRef to a Service that does not exist
 *   attaches nothing;
 * - a producer route (in the Service's namespace) applies to every caller;
 * - a consumer route (in another namespace) applies only to callers in the
 *   route's namespace, and for them replaces the producer routes on that
 *   port entirely: "requests from a namespace with consumer routes will
 *   utilize the (possibly merged) set of routes in the consumer namespace;
 *   requests from other namespaces will utilize the (possibly merged) set of
 *   routes in the producer namespace". Merging happens only within a group.
 *
 * `hostnames` are not read: GAMMA implementations SHOULD NOT infer anything
 * from them.
 */
import { parentRefSelects } from '../../model/route-parent.js';
import type { GrpcRoute, HttpRoute } from '../../model/route-types.js';
import type { MeshConfig } from '../../model/types.js';

/** One group's routes, by kind. */
export interface RouteGroup {
  http: HttpRoute[];
  grpc: GrpcRoute[];
}

export interface PortAttachment {
  producer: RouteGroup;
  /** Caller namespace -> the consumer routes from that namespace. */
  consumers: Map<string, RouteGroup>;
}

export const portKey = (namespace: string, name: string, port: number) => `${namespace}/${name}:${port}`;

const emptyGroup = (): RouteGroup => ({ http: [], grpc: [] });

export function attachRoutes(config: Pick<MeshConfig, 'services' | 'httpRoutes' | 'grpcRoutes'>): Map<string, PortAttachment> {
  const attachments = new Map<string, PortAttachment>();
  const byParent = new Map<string, { route: HttpRoute | GrpcRoute; kind: keyof RouteGroup }[]>();
  const index = (route: HttpRoute | GrpcRoute, kind: keyof RouteGroup) => {
    for (const key of new Set(route.parentRefs.map((ref) => `${ref.namespace}/${ref.name}`))) {
      byParent.set(key, [...(byParent.get(key) ?? []), { route, kind }]);
    }
  };
  for (const route of config.httpRoutes) index(route, 'http');
  for (const route of config.grpcRoutes) index(route, 'grpc');

  for (const service of config.services) {
    const candidates = byParent.get(`${service.namespace}/${service.name}`) ?? [];
    for (const port of service.ports) {
      let attachment: PortAttachment | undefined;
      for (const { route, kind } of candidates) {
        // Two parentRefs selecting one port (port: 80 and sectionName: http) attach the route once.
        if (!route.parentRefs.some((ref) => parentRefSelects(ref, service, port))) continue;
        attachment ??= { producer: emptyGroup(), consumers: new Map() };
        let group = attachment.producer;
        if (route.namespace !== service.namespace) {
          group = attachment.consumers.get(route.namespace) ?? emptyGroup();
          attachment.consumers.set(route.namespace, group);
        }
        (group[kind] as (HttpRoute | GrpcRoute)[]).push(route);
      }
      if (attachment) attachments.set(portKey(service.namespace, service.name, port.port), attachment);
    }
  }
  return attachments;
}
