/**
 * What a Service port carries, as the proxy needs to know it before the
 * first byte: whether to terminate HTTP/1.1, h2c or gRPC per request, to
 * pass bytes through untouched, or to look at the client's first bytes.
 *
 * Declared the way Istio reads it (pkg/config/kube/conversion.go
 * ConvertProtocol, pkg/config/protocol/instance.go Parse): `appProtocol` if
 * set, else the port's name; Kubernetes' own `kubernetes.io/h2c`,
 * `kubernetes.io/ws` and `kubernetes.io/wss` exactly; otherwise the part
 * before the first '-', case-insensitively (`http-web` and `HTTP` are http).
 * An appProtocol Istio does not know is not read past: the port name does
 * not get a second say. Weft also takes a bare `h2c`.
 *
 * A port that declares nothing Weft knows is detected, except where the
 * server speaks first (MySQL's greeting, SMTP's banner): a client there
 * sends nothing until the server has, so waiting for its first bytes would
 * stall every connection. Those ports are passed through as TCP.
 *
 * The model carries no Service annotations, so there is no per-Service
 * opaque-ports switch (Linkerd's config.linkerd.io/opaque-ports) yet.
 */
import { isRouteParent } from './route-parent.js';
import type { GrpcRoute } from './route-types.js';
import type { Service, ServicePort } from './types.js';

export type PortProtocol = 'http1' | 'http2' | 'grpc' | 'tcp' | 'detect';

/**
 * Linkerd's default opaque ports: SMTP (25, 587), MySQL (3306), Galera
 * (4444), PostgreSQL (5432), Redis (6379), Elasticsearch transport (9300),
 * Memcached (11211). Istio's own list (25, 53, 3306, 27017) has two
 * client-first protocols and misses most of these.
 */
export const SERVER_FIRST_PORTS: ReadonlySet<number> = new Set([25, 587, 3306, 4444, 5432, 6379, 9300, 11211]);

/** Istio's protocol names, by what Weft's proxy does with each. */
const PROTOCOL_BY_NAME: Readonly<Record<string, PortProtocol>> = {
  http: 'http1',
  // Istio's sidecar-egress proxy port: still HTTP/1.1 on the wire.
  http_proxy: 'http1',
  http2: 'http2',
  grpc: 'grpc',
  tcp: 'tcp',
  // TLS and the databases Istio names are bytes Weft does not look into.
  https: 'tcp',
  tls: 'tcp',
  mongo: 'tcp',
  redis: 'tcp',
  mysql: 'tcp',
};

/** appProtocol values matched whole and exactly: Kubernetes' own (core/v1 ServicePort), and h2c. */
const EXACT_APP_PROTOCOLS: Readonly<Record<string, PortProtocol>> = {
  'kubernetes.io/h2c': 'http2',
  'kubernetes.io/ws': 'http1', // WebSocket starts as an HTTP/1.1 Upgrade
  'kubernetes.io/wss': 'tcp', // WebSocket in TLS: opaque
  h2c: 'http2', // not Istio's; the name people write when they mean kubernetes.io/h2c
};

/** What the port says about itself; undefined when it says nothing Weft knows. */
export function declaredPortProtocol(port: Pick<ServicePort, 'name' | 'appProtocol'>): PortProtocol | undefined {
  const declared = port.appProtocol || port.name;
  if (!declared) return undefined;
  if (port.appProtocol && EXACT_APP_PROTOCOLS[port.appProtocol]) return EXACT_APP_PROTOCOLS[port.appProtocol];
  const lower = declared.toLowerCase();
  // gRPC-Web before the prefix rule, which would read "grpc-web" as grpc. Istio sends it
  // upstream as HTTP/2, but browsers' gRPC-Web is not gRPC: no GRPCRoute semantics.
  if (lower.startsWith('grpc-web')) return 'http2';
  const dash = lower.indexOf('-');
  return PROTOCOL_BY_NAME[dash < 0 ? lower : lower.slice(0, dash)];
}

/**
 * The protocol the proxy treats a port as. A port that is a GRPCRoute's
 * parent carries gRPC (h2c) even when it declares nothing, or declares only
 * HTTP/2: attaching a GRPCRoute is a declaration too. A port declared
 * http1 or tcp keeps that (gRPC cannot run there, and the declaration is
 * the Service owner's word).
 */
export function portProtocol(port: ServicePort, options: { grpcRouteParent: boolean }): PortProtocol {
  // The operator's explicit word (weft.dev/opaque-ports) wins over any declaration or route.
  if (port.opaque) return 'tcp';
  const declared = declaredPortProtocol(port);
  if (options.grpcRouteParent && (declared === undefined || declared === 'http2')) return 'grpc';
  if (declared) return declared;
  // Either side may be the one that waits: the client's proxy sees `port`, the server listens on `targetPort`.
  return SERVER_FIRST_PORTS.has(port.port) || SERVER_FIRST_PORTS.has(port.targetPort) ? 'tcp' : 'detect';
}

/** portProtocol for a port of a Service, with its GRPCRoute parents read from `grpcRoutes`. */
export function servicePortProtocol(service: Service, port: ServicePort, grpcRoutes: readonly GrpcRoute[]): PortProtocol {
  return portProtocol(port, { grpcRouteParent: isRouteParent(grpcRoutes, service, port) });
}
