/**
 * An answer the proxy gives itself (no route, no endpoint, a timeout, a
 * redirect): plain text for HTTP, and for gRPC what Envoy sends, a
 * trailers-only response with HTTP 200 and the gRPC status that stands for
 * the HTTP one, so a gRPC client reads a status rather than a transport error.
 */
import type { ServerHttp2Stream } from 'node:http2';
import type { DownstreamResponse, ExchangeCore, ResponseFlag } from './exchange.js';

/** Envoy's mapping of its local HTTP statuses to gRPC (source/common/grpc/status.cc, httpToGrpcStatus). */
export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

export interface LocalReply {
  status: number;
  flags: ResponseFlag;
  /** the body, and for gRPC the grpc-message */
  message: string;
  headers?: Record<string, string>;
  /** the body exactly, when it is not `message` and a newline */
  body?: string;
  /** a gRPC status other than the one grpcStatusFor(status) gives */
  grpcStatus?: number;
}

/**
 * gRPC's trailers-only answer: one HEADERS frame with END_STREAM. Through the compatibility API a
 * writeHead() and end() would send HEADERS and then an empty DATA frame, which a gRPC client that
 * is relayed it (by another proxy) reads as a stream without a status.
 */
export function respondTrailersOnly(response: DownstreamResponse, headers: Record<string, string | string[]>): void {
  const stream = (response as { stream?: ServerHttp2Stream }).stream;
  if (stream && !stream.headersSent && !stream.destroyed) {
    stream.respond({ ':status': 200, ...headers }, { endStream: true });
    return;
  }
  response.writeHead(200, headers);
  response.end();
}

/** grpc-message's percent-encoding (the gRPC HTTP/2 spec): only '%' and bytes outside printable ASCII are escaped. */
export function grpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function sendLocalReply(exchange: ExchangeCore, reply: LocalReply): void {
  const { response } = exchange.downstream;
  exchange.status = reply.status;
  exchange.flags = reply.flags;
  exchange.detail = reply.message;
  if (response.headersSent) {
    // Too late for an answer: the client sees the stream cut, as after an upstream reset.
    response.destroy();
    return;
  }
  if (exchange.grpc) {
    const grpcStatus = reply.grpcStatus ?? grpcStatusFor(reply.status);
    exchange.status = 200;
    exchange.grpcStatus = String(grpcStatus);
    respondTrailersOnly(response, { 'content-type': 'application/grpc', 'grpc-status': String(grpcStatus), 'grpc-message': grpcMessage(reply.message), ...reply.headers });
    return;
  }
  const body = reply.body ?? `${reply.message}\n`;
  response.writeHead(reply.status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), ...reply.headers });
  response.end(body);
  exchange.responseBodyBytes = Buffer.byteLength(body);
}
