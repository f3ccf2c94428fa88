/**
 * A route that attaches only to TCP ports (appProtocol tcp, a `tcp-` name,
 * a server-first port such as 5432) is accepted but cannot be applied: the
 * proxy never parses HTTP there, by design (TCP stays on the L4 path). That
 * is said wherever accepted-but-not-enforced is said (not-enforced.ts), and
 * `weft config validate` warns on the route.
 */
import { servicePortProtocol } from './port-protocol.js';
import { parentRefSelects } from './route-parent.js';
import type { GrpcRoute, HttpRoute, Service, ServicePort } from './types.js';

/** The Service ports the route attaches to, each with what it carries. */
function attachedPorts(route: HttpRoute | GrpcRoute, services: readonly Service[], grpcRoutes: readonly GrpcRoute[]): Array<{ service: Service; port: ServicePort; tcp: boolean }> {
  const attached: Array<{ service: Service; port: ServicePort; tcp: boolean }> = [];
  for (const service of services) {
    for (const port of service.ports) {
      if (route.parentRefs.some((ref) => parentRefSelects(ref, service, port))) attached.push({ service, port, tcp: servicePortProtocol(service, port, grpcRoutes) === 'tcp' });
    }
  }
  return attached;
}

/** The TCP ports it attaches to, when those are all it attaches to (else none: it applies somewhere). */
export function routeOnlyOnTcpPorts(route: HttpRoute | GrpcRoute, services: readonly Service[], grpcRoutes: readonly GrpcRoute[]): string[] {
  const attached = attachedPorts(route, services, grpcRoutes);
  if (attached.length === 0 || attached.some((a) => !a.tcp)) return [];
  return attached.map(({ service, port }) => `${service.namespace}/${service.name}:${port.port}${port.name ? ` (${port.name})` : ''}`);
}

export const routeOnTcpReason =
  'it attaches only to TCP Service ports (appProtocol tcp, a tcp- port name, or a server-first port such as 5432), where the proxy does not parse HTTP: declare the port http, http2 or grpc (appProtocol or name prefix) for the route to apply';
