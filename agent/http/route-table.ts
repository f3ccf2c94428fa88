/**
 * The route table: MeshConfig's HTTPRoutes and GRPCRoutes compiled into the
 * rules each caller sees on each Service port, built once per config by the
 * agent's updater and read per connection and per request. Pure: no I/O,
 * and nothing of it changes after compile.
 *
 * Lookups take the Service port (namespace, name, port number: the
 * Service's `port`, not its targetPort) and the caller's namespace, which
 * decides between consumer and producer routes (route-attachment.ts).
 */
import type { MeshConfig } from '../../model/types.js';
import { compileGrpcPortRoutes, compileHttpPortRoutes, type PortRoutes } from './port-routes.js';
import type { RequestView } from './request-view.js';
import { attachRoutes, portKey, type RouteGroup } from './route-attachment.js';
import type { RouteLookup } from './route-lookup.js';

export interface ServiceRef {
  namespace: string;
  name: string;
}

interface CompiledPort {
  producer: PortRoutes | undefined;
  consumers: ReadonlyMap<string, PortRoutes>;
}

/**
 * GEP-1294 "Route types": when routes of different types attach to one
 * Service port, only one type applies, GRPCRoute before HTTPRoute; the
 * other routes are ignored (their status would say RouteReasonConflicted).
 * Decided per group, since a caller only ever sees one group.
 */
function compileGroup(group: RouteGroup): PortRoutes | undefined {
  if (group.grpc.length > 0) return compileGrpcPortRoutes(group.grpc);
  if (group.http.length > 0) return compileHttpPortRoutes(group.http);
  return undefined;
}

export class RouteTable {
  static readonly EMPTY = new RouteTable(new Map());

  readonly #ports: ReadonlyMap<string, CompiledPort>;

  private constructor(ports: ReadonlyMap<string, CompiledPort>) {
    this.#ports = ports;
  }

  static compile(config: Pick<MeshConfig, 'services' | 'httpRoutes' | 'grpcRoutes'>): RouteTable {
    const ports = new Map<string, CompiledPort>();
    for (const [key, attachment] of attachRoutes(config)) {
      const consumers = new Map<string, PortRoutes>();
      for (const [namespace, group] of attachment.consumers) {
        const compiled = compileGroup(group);
        if (compiled) consumers.set(namespace, compiled);
      }
      ports.set(key, { producer: compileGroup(attachment.producer), consumers });
    }
    return new RouteTable(ports);
  }

  /**
   * The routes a caller in `callerNamespace` sees on this Service port:
   * its own namespace's consumer routes if it has any there, else the
   * producer routes. undefined: no routes, so the proxy forwards to the
   * Service as it does without L7.
   */
  routesFor(service: ServiceRef, port: number, callerNamespace: string): PortRoutes | undefined {
    const compiled = this.#ports.get(portKey(service.namespace, service.name, port));
    return compiled && (compiled.consumers.get(callerNamespace) ?? compiled.producer);
  }

  /** routesFor, then match: undefined when no routes are attached (see route-lookup.ts). */
  lookup(service: ServiceRef, port: number, callerNamespace: string, request: RequestView): RouteLookup | undefined {
    return this.routesFor(service, port, callerNamespace)?.match(request);
  }
}
