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
import type { HeaderModifier } from '../../model/route-types.js';
import type { Endpoint } from '../state/destination.js';
import { modifyResponseHeaders } from './header-modifier.js';
import { respondTrailersOnly } from './local-reply.js';
import type { ExchangeCore } from './exchange.js';
import { authorityOf, hopByHopHeaders, requestTarget } from './request-view.js';
import type { UpstreamPool, UpstreamProtocol } from './upstream-pool.js';

export type AttemptOutcome =
  | { result: 'answered' }
  | { result: 'connect' | 'reset'; error: Error }
  /** the upstream answered a status the retry policy retries; its response was discarded */
  | { result: 'retry_status'; status: number }
  /** the attempt's signal fired before the response began */
  | { result: 'timeout' }
  /** the client went away first: nothing more to do */
  | { result: 'downstream_closed' };

export interface SendOptions {
  /** the request body read ahead (retries and mirrors need it again); absent: piped from the client */
  body?: Buffer;
  /** ends the attempt: before a response began it is a timeout, after it the response is cut */
  signal?: AbortSignal;
  /** whether a response status is retried rather than passed on */
  retryStatus?(status: number): boolean;
  /** the last of several attempts: one of these statuses is passed on flagged URX (retries exhausted), as Envoy does */
  exhaustedOn?: ReadonlySet<number>;
  /** ResponseHeaderModifier filters, in order */
  responseHeaders: readonly HeaderModifier[];
  /** mirrors: the response is read and dropped, nothing reaches the client */
  discard?: boolean;
}

/** Headers to send upstream, from the view (which holds no hop-by-hop ones). */
function forwardedHeaders(exchange: ExchangeCore): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(exchange.request.headers)) {
    if (values === undefined || name === 'host') continue;
    headers[name] = values.length === 1 ? values[0] : [...values];
  }
  return headers;
}

/** Response headers to send to the client: no hop-by-hop, no pseudo-headers (HTTP/2 forbids the first, HTTP/1 has no second). */
function responseHeaders(raw: IncomingHttpHeaders | IncomingMessage['headers'], modifiers: readonly HeaderModifier[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.startsWith(':') || hopByHopHeaders.has(name)) continue;
    headers[name] = value;
  }
  for (const modifier of modifiers) modifyResponseHeaders(headers, modifier);
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

export function sendUpstream(exchange: ExchangeCore, pool: UpstreamPool, endpoint: Endpoint, protocol: UpstreamProtocol, options: SendOptions): Promise<AttemptOutcome> {
  if (options.signal?.aborted) return Promise.resolve({ result: 'timeout' });
  return protocol === 'http1' ? sendHttp1(exchange, pool, endpoint, options) : sendHttp2(exchange, pool, endpoint, options);
}

/** The body upstream: the buffered copy, or the client's stream. */
function sendBody(exchange: ExchangeCore, upstream: NodeJS.WritableStream, options: SendOptions): void {
  if (options.body) {
    if (!options.discard) exchange.requestBodyBytes = options.body.length;
    upstream.end(options.body);
    return;
  }
  const { request } = exchange.downstream;
  // Counted as it is piped: a listener added any earlier would start the flow before anyone reads it.
  request.on('data', (chunk: Buffer) => (exchange.requestBodyBytes += chunk.length));
  request.pipe(upstream);
}

/** Whether the request carries a body (a length above 0, or chunked). */
function hasBody(request: { headers: Record<string, string | string[] | undefined> }): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A response the client must not see (a retried status, a mirror's): read to its end and dropped. */
function drain(stream: NodeJS.ReadableStream): void {
  stream.on('error', () => undefined);
  stream.resume();
}

function sendHttp1(exchange: ExchangeCore, pool: UpstreamPool, endpoint: Endpoint, options: SendOptions): Promise<AttemptOutcome> {
  const source = exchange.connection.source;
  const { agent, tunnelOf } = pool.http1(source, endpoint);
  const { request: downstreamRequest, response } = exchange.downstream;
  return new Promise((resolve) => {
    let connected = false;
    let answered = false;
    const headers = forwardedHeaders(exchange);
    headers['host'] = authorityOf(exchange.request);
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
      if (response.writableFinished || options.discard) return;
      upstream.destroy();
      resolve({ result: 'downstream_closed' });
    };
    response.once('close', onDownstreamClose);
    const onAbort = () => {
      upstream.destroy();
      if (!answered) return resolve({ result: 'timeout' });
      if (!options.discard) response.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: AttemptOutcome) => {
      options.signal?.removeEventListener('abort', onAbort);
      response.off('close', onDownstreamClose);
      resolve(outcome);
    };
    upstream.once('socket', (socket: Duplex) => {
      connected = true;
      if (!options.discard) exchange.tunnel = tunnelOf(socket);
      sendBody(exchange, upstream, options);
    });
    upstream.once('response', (upstreamResponse: IncomingMessage) => {
      answered = true;
      const status = upstreamResponse.statusCode ?? 502;
      if (options.discard || options.retryStatus?.(status)) {
        drain(upstreamResponse);
        return settle(options.discard ? { result: 'answered' } : { result: 'retry_status', status });
      }
      response.writeHead(status, responseHeaders(upstreamResponse.headers, options.responseHeaders));
      exchange.status = status;
      if (options.exhaustedOn?.has(status) && exchange.flags === '-') exchange.flags = 'URX';
      upstreamResponse.on('data', (chunk: Buffer) => (exchange.responseBodyBytes += chunk.length));
      upstreamResponse.pipe(response as NodeJS.WritableStream, { end: false });
      upstreamResponse.once('end', () => {
        const trailers = trailerValues(upstreamResponse.trailers);
        if (Object.keys(trailers).length > 0) response.addTrailers(trailers);
        response.end();
        settle({ result: 'answered' });
      });
      upstreamResponse.once('aborted', () => {
        if (exchange.flags === '-') exchange.flags = 'UC';
        response.destroy();
        settle({ result: 'answered' });
      });
    });
    upstream.once('error', (error) => {
      if (answered) {
        if (!options.discard) {
          if (exchange.flags === '-') exchange.flags = 'UC';
          response.destroy();
        }
        return settle({ result: 'answered' });
      }
      if (!options.body) downstreamRequest.unpipe(upstream);
      if (options.signal?.aborted) return; // onAbort said it
      // A kept-alive connection the pod closed as it was reused (the race every HTTP/1.1 client has): a
      // request without a body is sent again on another connection, as nothing of it can have been acted on.
      const resend = upstream.reusedSocket && !hasBody(downstreamRequest) && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
      settle({ result: connected && !resend ? 'reset' : 'connect', error });
    });
  });
}

async function sendHttp2(exchange: ExchangeCore, pool: UpstreamPool, endpoint: Endpoint, options: SendOptions): Promise<AttemptOutcome> {
  const source = exchange.connection.source;
  let lease: Awaited<ReturnType<UpstreamPool['http2']>>;
  try {
    lease = await pool.http2(source, endpoint);
  } catch (error) {
    return { result: 'connect', error: error as Error };
  }
  if (!options.discard) exchange.tunnel = lease.tunnel;
  const { request: downstreamRequest, response } = exchange.downstream;
  const headers: OutgoingHttpHeaders = {
    ...forwardedHeaders(exchange),
    ':method': exchange.request.method,
    ':path': requestTarget(exchange.request),
    ':authority': authorityOf(exchange.request),
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
    let settled = false;
    let trailersOnly = false;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      response.off('close', onDownstreamClose);
      resolve(outcome);
    };
    const cancel = () => {
      if (!upstream.destroyed) upstream.close(constants.NGHTTP2_CANCEL);
    };
    const onDownstreamClose = () => {
      if (response.writableFinished || options.discard) return;
      cancel();
      settle({ result: 'downstream_closed' });
    };
    response.once('close', onDownstreamClose);
    const onAbort = () => {
      cancel();
      if (!answered) return settle({ result: 'timeout' });
      if (!options.discard) response.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    sendBody(exchange, upstream, options);
    upstream.once('response', (head: IncomingHttpHeaders & IncomingHttpStatusHeader, flags: number) => {
      answered = true;
      const status = Number(head[':status'] ?? 502);
      if (options.discard || options.retryStatus?.(status)) {
        drain(upstream);
        return settle(options.discard ? { result: 'answered' } : { result: 'retry_status', status });
      }
      exchange.status = status;
      if (options.exhaustedOn?.has(status) && exchange.flags === '-') exchange.flags = 'URX';
      if (head['grpc-status'] !== undefined) exchange.grpcStatus = String(head['grpc-status']);
      // A trailers-only gRPC answer (a status and no message, in one HEADERS frame) is relayed as one.
      // (`endAfterHeaders` is not set yet when 'response' fires: the frame's flags say it.)
      if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0 && head['grpc-status'] !== undefined) {
        respondTrailersOnly(response, responseHeaders(head, options.responseHeaders));
        trailersOnly = true;
        return;
      }
      response.writeHead(exchange.status, responseHeaders(head, options.responseHeaders));
      // Only now (the stream stays paused until then): node:http2 may deliver DATA before it emits 'response'.
      upstream.on('data', (chunk: Buffer) => (exchange.responseBodyBytes += chunk.length));
      upstream.pipe(response as NodeJS.WritableStream, { end: false });
    });
    upstream.once('trailers', (raw: IncomingHttpHeaders) => {
      if (settled) return;
      trailers = trailerValues(raw);
      if (trailers['grpc-status'] !== undefined) exchange.grpcStatus = trailers['grpc-status'];
    });
    upstream.once('end', () => {
      if (!answered || settled || trailersOnly) return;
      if (Object.keys(trailers).length > 0) response.addTrailers(trailers);
      response.end();
    });
    upstream.once('close', () => {
      const code = upstream.rstCode;
      if (settled) return;
      if (!answered) {
        if (options.signal?.aborted) return settle({ result: 'timeout' });
        return settle({ result: 'reset', error: new Error(`the upstream stream closed before a response (code ${code ?? 'none'})`) });
      }
      if (code !== undefined && code !== constants.NGHTTP2_NO_ERROR && !response.writableFinished && !options.discard) {
        if (exchange.flags === '-') exchange.flags = 'UC';
        response.destroy();
      }
      settle({ result: 'answered' });
    });
    upstream.on('error', () => undefined); // the close above reports it
  });
}
