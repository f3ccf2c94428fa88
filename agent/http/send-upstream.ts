/**
 * One attempt of a request to one endpoint, on a pooled upstream connection
 * (upstream-pool.ts), the response streamed back to the client as it comes:
 * status and headers, body with back-pressure, trailers (gRPC's status rides
 * in them). The request body is piped only once a connection is there, so
 * an endpoint that cannot be reached leaves it unread for the next one.
 *
 * What comes back says how far the attempt got, because that decides what
 * may be retried: `connect` (nothing was sent), `reset` (sent, no answer
 * began), or `answered` (the response has begun; it is the client's now).
 */
import { request as http1Request, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../state/destination.js';
import type { HttpExchange } from './exchange.js';
import { hopByHopHeaders, requestTarget } from './request-view.js';
import type { UpstreamPool, UpstreamProtocol } from './upstream-pool.js';

export type AttemptOutcome =
  | { result: 'answered' }
  | { result: 'connect' | 'reset'; error: Error }
  /** the client went away first: nothing more to do */
  | { result: 'downstream_closed' };

/** Headers to send upstream, from the view (which holds no hop-by-hop ones). */
function forwardedHeaders(exchange: HttpExchange): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, values] of exchange.request.headers) headers[name] = values.length === 1 ? values[0] : values;
  return headers;
}

/** Response headers to send to the client: no hop-by-hop, no pseudo-headers (HTTP/2 forbids the first, HTTP/1 has no second). */
function responseHeaders(raw: IncomingHttpHeaders | IncomingMessage['headers']): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.startsWith(':') || hopByHopHeaders.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

function trailerValues(raw: IncomingHttpHeaders | NodeJS.Dict<string>): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.startsWith(':')) continue;
    trailers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return trailers;
}

export function sendUpstream(exchange: HttpExchange, pool: UpstreamPool, endpoint: Endpoint, protocol: UpstreamProtocol): Promise<AttemptOutcome> {
  return protocol === 'http1' ? sendHttp1(exchange, pool, endpoint) : sendHttp2(exchange, pool, endpoint);
}

function sendHttp1(exchange: HttpExchange, pool: UpstreamPool, endpoint: Endpoint): Promise<AttemptOutcome> {
  const source = exchange.connection.source!;
  const { agent, tunnelOf } = pool.http1(source, endpoint);
  const { request: downstreamRequest, response } = exchange.downstream;
  return new Promise((resolve) => {
    let connected = false;
    let answered = false;
    const headers = forwardedHeaders(exchange);
    headers['host'] = exchange.request.authority;
    const upstream: ClientRequest = http1Request({
      agent,
      host: endpoint.ip,
      port: endpoint.port,
      method: exchange.request.method,
      path: requestTarget(exchange.request),
      headers,
      setHost: false,
    });
    const onDownstreamClose = () => {
      if (response.writableFinished) return;
      upstream.destroy();
      resolve({ result: 'downstream_closed' });
    };
    response.once('close', onDownstreamClose);
    upstream.once('socket', (socket: Duplex) => {
      connected = true;
      exchange.tunnel = tunnelOf(socket);
      downstreamRequest.pipe(upstream);
    });
    upstream.once('response', (upstreamResponse: IncomingMessage) => {
      answered = true;
      response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders(upstreamResponse.headers));
      exchange.status = upstreamResponse.statusCode;
      upstreamResponse.on('data', (chunk: Buffer) => (exchange.responseBodyBytes += chunk.length));
      upstreamResponse.pipe(response as NodeJS.WritableStream, { end: false });
      upstreamResponse.once('end', () => {
        const trailers = trailerValues(upstreamResponse.trailers);
        if (Object.keys(trailers).length > 0) response.addTrailers(trailers);
        response.end();
        response.off('close', onDownstreamClose);
        resolve({ result: 'answered' });
      });
      upstreamResponse.once('aborted', () => {
        exchange.flags = 'UC';
        response.destroy();
        resolve({ result: 'answered' });
      });
    });
    upstream.once('error', (error) => {
      response.off('close', onDownstreamClose);
      if (answered) {
        exchange.flags = 'UC';
        response.destroy();
        resolve({ result: 'answered' });
        return;
      }
      downstreamRequest.unpipe(upstream);
      resolve({ result: connected ? 'reset' : 'connect', error });
    });
  });
}

async function sendHttp2(exchange: HttpExchange, pool: UpstreamPool, endpoint: Endpoint): Promise<AttemptOutcome> {
  const source = exchange.connection.source!;
  let lease: Awaited<ReturnType<UpstreamPool['http2']>>;
  try {
    lease = await pool.http2(source, endpoint);
  } catch (error) {
    return { result: 'connect', error: error as Error };
  }
  exchange.tunnel = lease.tunnel;
  const { request: downstreamRequest, response } = exchange.downstream;
  const headers: OutgoingHttpHeaders = {
    ...forwardedHeaders(exchange),
    ':method': exchange.request.method,
    ':path': requestTarget(exchange.request),
    ':authority': exchange.request.authority,
    ':scheme': 'http',
  };
  // gRPC needs `te: trailers` end to end; it is the one TE value HTTP/2 allows.
  const te = downstreamRequest.headers['te'];
  if (typeof te === 'string' && te.split(',').some((token) => token.trim().toLowerCase() === 'trailers')) headers['te'] = 'trailers';
  let upstream: ClientHttp2Stream;
  try {
    upstream = lease.session.request(headers, { endStream: false });
  } catch (error) {
    lease.done();
    return { result: 'connect', error: error as Error };
  }
  upstream.once('close', lease.done);
  return new Promise((resolve) => {
    let answered = false;
    let trailers: Record<string, string> = {};
    const onDownstreamClose = () => {
      if (response.writableFinished) return;
      if (!upstream.destroyed) upstream.close(constants.NGHTTP2_CANCEL);
      resolve({ result: 'downstream_closed' });
    };
    response.once('close', onDownstreamClose);
    downstreamRequest.pipe(upstream);
    upstream.once('response', (head: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      answered = true;
      exchange.status = Number(head[':status'] ?? 502);
      if (head['grpc-status'] !== undefined) exchange.grpcStatus = String(head['grpc-status']);
      response.writeHead(exchange.status, responseHeaders(head));
      // Only now (the stream stays paused until then): node:http2 may deliver DATA before it emits 'response'.
      upstream.on('data', (chunk: Buffer) => (exchange.responseBodyBytes += chunk.length));
      upstream.pipe(response as NodeJS.WritableStream, { end: false });
    });
    upstream.once('trailers', (raw: IncomingHttpHeaders) => {
      trailers = trailerValues(raw);
      if (trailers['grpc-status'] !== undefined) exchange.grpcStatus = trailers['grpc-status'];
    });
    upstream.once('end', () => {
      if (!answered) return;
      if (Object.keys(trailers).length > 0) response.addTrailers(trailers);
      response.end();
    });
    upstream.once('close', () => {
      response.off('close', onDownstreamClose);
      const code = upstream.rstCode;
      if (!answered) {
        resolve({ result: 'reset', error: new Error(`the upstream stream closed before a response (code ${code ?? 'none'})`) });
        return;
      }
      if (code !== undefined && code !== constants.NGHTTP2_NO_ERROR && !response.writableFinished) {
        exchange.flags = 'UC';
        response.destroy();
      }
      resolve({ result: 'answered' });
    });
    upstream.on('error', () => undefined); // the close above reports it
  });
}
