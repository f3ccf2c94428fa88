/**
 * HTTPRoute and GRPCRoute in the config model: the Gateway API's shapes
 * with every default filled in, references resolved to namespaces, and
 * durations in milliseconds. Field names follow the Gateway API so that
 * its documentation reads onto these types.
 */
import type { SourceRef } from './types.js';

/** A route attaches to a Service (GAMMA); port or sectionName (a port name) narrow it to one port. */
export interface RouteParentRef {
  name: string;
  namespace: string;
  port?: number;
  sectionName?: string;
}

/** A Service port to send to; weights are relative within one rule. */
export interface RouteBackendRef {
  name: string;
  namespace: string;
  port: number;
  weight: number;
  /** applied, after the rule's, only to requests sent to this backend; absent: none */
  filters?: BackendRefFilter[];
}

export interface HeaderMatch {
  type: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface HttpHeader {
  name: string;
  value: string;
}

export interface HeaderModifier {
  set: HttpHeader[];
  add: HttpHeader[];
  remove: string[];
}

export interface RequestMirror {
  backendRef: Omit<RouteBackendRef, 'weight' | 'filters'>;
  /** At most one of percent and fraction; neither mirrors every request. */
  percent?: number;
  fraction?: { numerator: number; denominator: number };
}

export interface HttpPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  /** The manifest's replaceFullPath or replacePrefixMatch, whichever the type names. */
  value: string;
}

export interface RequestRedirect {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: HttpPathModifier;
  port?: number;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface UrlRewrite {
  hostname?: string;
  path?: HttpPathModifier;
}

export type HttpRouteFilter =
  | { type: 'RequestHeaderModifier'; requestHeaderModifier: HeaderModifier }
  | { type: 'ResponseHeaderModifier'; responseHeaderModifier: HeaderModifier }
  | { type: 'RequestMirror'; requestMirror: RequestMirror }
  | { type: 'RequestRedirect'; requestRedirect: RequestRedirect }
  | { type: 'URLRewrite'; urlRewrite: UrlRewrite };

/** The filters a backendRef may carry (Gateway API allows more; Weft takes the header modifiers). */
export type BackendRefFilter = Extract<HttpRouteFilter, { type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' }>;

export type GrpcRouteFilter = Extract<HttpRouteFilter, { type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestMirror' }>;

/** 0 means no timeout, as in the Gateway API. */
export interface RouteTimeouts {
  requestMs?: number;
  backendRequestMs?: number;
}

/** codes: HTTP status codes on an HTTPRoute, gRPC status codes on a GRPCRoute. */
export interface RouteRetry {
  attempts?: number;
  backoffMs?: number;
  codes: number[];
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';

export interface HttpPathMatch {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface HttpRouteMatch {
  path: HttpPathMatch;
  headers: HeaderMatch[];
  queryParams: HeaderMatch[];
  method?: HttpMethod;
}

export interface HttpRouteRule {
  /** the rule's name (GEP-995), for logs and metrics */
  name?: string;
  /** Never empty: a rule written without matches matches PathPrefix "/". */
  matches: HttpRouteMatch[];
  filters: HttpRouteFilter[];
  backendRefs: RouteBackendRef[];
  timeouts?: RouteTimeouts;
  retry?: RouteRetry;
}

export interface HttpRoute {
  name: string;
  namespace: string;
  /**
   * metadata.creationTimestamp (RFC 3339), where the source knows it (Kubernetes);
   * the oldest route wins a precedence tie. A directory of manifests has none.
   */
  creationTimestamp?: string;
  parentRefs: RouteParentRef[];
  hostnames: string[];
  rules: HttpRouteRule[];
  source: SourceRef;
}

/** At least one of service and method is set. */
export interface GrpcMethodMatch {
  type: 'Exact' | 'RegularExpression';
  service?: string;
  method?: string;
}

export interface GrpcRouteMatch {
  method?: GrpcMethodMatch;
  headers: HeaderMatch[];
}

export interface GrpcRouteRule {
  /** the rule's name (GEP-995), for logs and metrics */
  name?: string;
  /** Empty matches every request. */
  matches: GrpcRouteMatch[];
  filters: GrpcRouteFilter[];
  backendRefs: RouteBackendRef[];
  timeouts?: RouteTimeouts;
  retry?: RouteRetry;
}

export interface GrpcRoute {
  name: string;
  namespace: string;
  /** As HttpRoute's. */
  creationTimestamp?: string;
  parentRefs: RouteParentRef[];
  hostnames: string[];
  rules: GrpcRouteRule[];
  source: SourceRef;
}
