/**
 * One HTTP request as the terminating proxy sees it, from its headers to
 * the end of its response: the one normalised view that routing decides on,
 * that is forwarded, and that telemetry and the access log report (later,
 * authorization too). Each step of the request path fills one field.
 */
import type { Workload } from '../../model/types.js';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Writable } from 'node:stream';
import type { Service, ServicePort } from '../../model/types.js';
import type { OutboundConnection, TunnelUse } from '../stack/connection.js';
import type { Endpoint } from '../state/destination.js';
import type { RequestView } from './request-view.js';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
/** What both ServerResponse and Http2ServerResponse (the compatibility API) offer. */
export interface DownstreamResponse extends Writable {
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): this;
  addTrailers(trailers: OutgoingHttpHeaders): void;
  readonly headersSent: boolean;
}

/** Envoy's response flags, as istio_requests_total and the access log carry them. */
/** RBAC is Weft's: a request an AuthorizationPolicy denied (Envoy says so in response_code_details instead). */
export type ResponseFlag = '-' | 'NR' | 'UH' | 'UF' | 'UT' | 'URX' | 'UC' | 'DC' | 'UO' | 'RBAC';

/** The Service port a request is sent to: the one dialled, or a route's backendRef. */
export interface Backend {
  service: Service;
  port: ServicePort;
  endpoints: Endpoint[];
}

/** Which route and rule decided, for logs and metrics. */
export interface RouteUse {
  kind: 'HTTPRoute' | 'GRPCRoute';
  namespace: string;
  name: string;
  /** the rule's place in its route */
  rule: number;
  /** the rule's name, when it has one */
  ruleName?: string;
}

export interface HttpExchange {
  readonly id: number;
  readonly connection: OutboundConnection;
  /** what the client speaks on this connection */
  readonly protocol: 'http1' | 'http2';
  /** content-type application/grpc: local answers are gRPC-shaped */
  readonly grpc: boolean;
  readonly startedAt: number;
  readonly downstream: { request: DownstreamRequest; response: DownstreamResponse };
  request: RequestView;
  /** the path as the client sent it, before any URLRewrite (logs name both when they differ) */
  readonly originalPath: string;
  route?: RouteUse;
  backend?: Backend;
  endpoint?: Endpoint;
  tunnel?: TunnelUse;
  /** requests sent upstream for this exchange (1 without retries) */
  attempts: number;
  status?: number;
  grpcStatus?: string;
  flags: ResponseFlag;
  /** why the proxy answered itself or cut the exchange */
  detail?: string;
  requestBodyBytes: number;
  responseBodyBytes: number;
  durationMs?: number;
}

/**
 * What sending upstream and answering locally read and fill: the source
 * side's exchange, or the destination side's (inbound-http.ts), whose caller
 * may be no workload of ours.
 */
export type ExchangeCore = Pick<
  HttpExchange,
  'downstream' | 'request' | 'grpc' | 'tunnel' | 'status' | 'grpcStatus' | 'flags' | 'detail' | 'requestBodyBytes' | 'responseBodyBytes'
> & { readonly connection: { readonly source?: Workload | undefined } };

let lastId = 0;
export function nextExchangeId(): number {
  return ++lastId;
}
