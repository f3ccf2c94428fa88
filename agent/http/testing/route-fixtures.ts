/**
 * Small builders for route-table tests: Services, routes written as the
 * model holds them (defaults filled in, as the control plane sends them),
 * and request views from a target string.
 */
import type { GrpcRoute, GrpcRouteMatch, GrpcRouteRule, HttpRoute, HttpRouteMatch, HttpRouteRule, RouteParentRef } from '../../../model/route-types.js';
import type { Service, ServicePort } from '../../../model/types.js';
import type { RequestView } from '../request-view.js';

const source = { file: 'test.yaml', document: 0 };

export function service(namespace: string, name: string, ports: Array<Pick<ServicePort, 'port'> & Partial<ServicePort>> = [{ port: 80, name: 'http' }]): Service {
  return {
    namespace,
    name,
    clusterIP: '10.96.0.10',
    selector: { app: name },
    ports: ports.map((port) => ({ targetPort: port.port, protocol: 'TCP', ...port })),
    source,
  };
}

export function parent(namespace: string, name: string, narrow: Pick<RouteParentRef, 'port' | 'sectionName'> = {}): RouteParentRef {
  return { namespace, name, ...narrow };
}

/** A match with the model's defaults: PathPrefix "/", no headers, no query params. */
export function match(fields: Partial<HttpRouteMatch> = {}): HttpRouteMatch {
  return { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...fields };
}

/** A rule that sends to `backend` (a Service name in the route's namespace), so a test can tell rules apart. */
export function rule(backend: string, matches: HttpRouteMatch[] = [match()], extra: Partial<HttpRouteRule> = {}): HttpRouteRule {
  return { matches, filters: [], backendRefs: [{ namespace: 'shop', name: backend, port: 80, weight: 1 }], ...extra };
}

export function httpRoute(namespace: string, name: string, parentRefs: RouteParentRef[], rules: HttpRouteRule[], extra: Partial<HttpRoute> = {}): HttpRoute {
  return { namespace, name, parentRefs, hostnames: [], rules, source, ...extra };
}

export function grpcRule(backend: string, matches: GrpcRouteMatch[] = []): GrpcRouteRule {
  return { matches, filters: [], backendRefs: [{ namespace: 'shop', name: backend, port: 80, weight: 1 }] };
}

export function grpcRoute(namespace: string, name: string, parentRefs: RouteParentRef[], rules: GrpcRouteRule[], extra: Partial<GrpcRoute> = {}): GrpcRoute {
  return { namespace, name, parentRefs, hostnames: [], rules, source, ...extra };
}

/** `request('/a?b=c', { method: 'POST', headers: { Version: 'two' } })`: header names lower-cased as a server would. */
export function request(target: string, options: { method?: string; headers?: Record<string, string | string[]> } = {}): RequestView {
  const queryAt = target.indexOf('?');
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  return {
    method: options.method ?? 'GET',
    path: queryAt < 0 ? target : target.slice(0, queryAt),
    query: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers,
  };
}

/** The backend a lookup's winning rule sends to, or what else it said. */
export function backendOf(lookup: { outcome: string; rule?: { backendRefs: Array<{ name: string }> } } | undefined): string {
  if (lookup === undefined) return 'no routes attached';
  if (lookup.outcome === 'no-route') return 'no-route';
  return lookup.rule?.backendRefs[0]?.name ?? 'no backend';
}

/** Upstream's header-matching conformance cases (HTTPRouteHeaderMatching, GRPCRouteHeaderMatching share them): headers -> the backend, or no-route. */
export const headerMatchingCases: ReadonlyArray<[Record<string, string>, string]> = [
  [{ Version: 'one' }, 'v1'],
  [{ Version: 'two' }, 'v2'],
  [{ Version: 'two', Color: 'orange' }, 'v1'],
  [{ Version: 'two', Color: 'blue' }, 'v2'],
  [{ Color: 'orange' }, 'no-route'],
  [{ 'Some-Other-Header': 'one' }, 'no-route'],
  [{ Color: 'blue' }, 'v1'],
  [{ Color: 'green' }, 'v1'],
  [{ Color: 'red' }, 'v2'],
  [{ Color: 'yellow' }, 'v2'],
  [{ Color: 'purple' }, 'no-route'],
];
