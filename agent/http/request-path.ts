/**
 * The path of one terminated request, in order: the normalised view, the
 * backend (the Service port dialled; routes come in here), an endpoint per
 * request (so one client connection's requests spread over the endpoints),
 * the attempt on a pooled upstream connection, and the exchange published
 * once its response is done. An endpoint that cannot be reached is skipped
 * for the next, as the L4 path does, since nothing of the request was sent.
 */
import { RoundRobin } from '../balance/load-balancer-round-robin.js';
import type { ListenerInputs } from '../proxy/proxy-inputs.js';
import type { OutboundConnection } from '../stack/connection.js';
import { filled } from '../stack/stack.js';
import { serviceKey } from '../state/destination.js';
import { channels } from '../telemetry/events.js';
import { nextExchangeId, type Backend, type DownstreamRequest, type DownstreamResponse, type HttpExchange } from './exchange.js';
import { modifyRequestHeaders } from './header-modifier.js';
import { sendLocalReply } from './local-reply.js';
import { requestView, type RequestView } from './request-view.js';
import { accessDenied, authorizeLocalRequest } from './authorize-request.js';
import { TunnelRefusedError } from '../proxy/tunnel-errors.js';
import { defaultPathNormalization } from '../authz/normalize-path.js';
import { proxyUpgrade, replyOnUpgrade } from './upgrade.js';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { sendUpstream, type AttemptOutcome } from './send-upstream.js';
import { decideRoute, type Forward } from './route-decision.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortProtocol } from '../../model/port-protocol.js';
import type { RequestMirror } from '../../model/route-types.js';
import type { UpstreamPool, UpstreamProtocol } from './upstream-pool.js';

export type ClientProtocol = 'http1' | 'http2';

/** `retry` without `attempts`: GEP-1731 leaves the number to implementations; Istio's default is 2 retries. */
const defaultRetryAttempts = 2;
/** A body bigger than this is streamed once: no retry, mirrors get no body (Envoy's per-request buffer limit is 16 KiB to 1 MiB). */
const maxBufferedBodyBytes = 1024 * 1024;
/** A mirror's answer is not waited for longer than this. */
const mirrorTimeoutMs = 10_000;

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** RequestMirror's percent or fraction (none: every request). */
function mirrorSampled(mirror: RequestMirror): boolean {
  if (mirror.percent !== undefined) return Math.random() * 100 < mirror.percent;
  if (mirror.fraction) return Math.random() * mirror.fraction.denominator < mirror.fraction.numerator;
  return true;
}

/** The whole body, or 'too_large': then what was read is put back and the request is streamed, once. */
function readBody(request: DownstreamRequest, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        request.unshift(Buffer.concat(chunks));
        resolve('too_large');
      }
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', () => resolve(Buffer.concat(chunks)));
  });
}

export class RequestPath {
  readonly #balancer = new RoundRobin();

  constructor(
    private readonly inputs: ListenerInputs,
    private readonly pool: UpstreamPool,
  ) {}

  async handle(connection: OutboundConnection, protocol: ClientProtocol, request: DownstreamRequest, response: DownstreamResponse): Promise<void> {
    const parsed = requestView(request, this.inputs.config.pathNormalization ?? defaultPathNormalization);
    const rejected = 'rejected' in parsed ? parsed.rejected : undefined;
    const view = 'rejected' in parsed ? rejectedView(request) : parsed;
    const exchange: HttpExchange = {
      id: nextExchangeId(),
      connection,
      protocol,
      grpc: String(request.headers['content-type'] ?? '').startsWith('application/grpc'),
      startedAt: performance.now(),
      downstream: { request, response },
      request: view,
      originalPath: view.path,
      attempts: 0,
      flags: '-',
      requestBodyBytes: 0,
      responseBodyBytes: 0,
    };
    response.once('close', () => this.#finished(exchange));
    if (rejected !== undefined) {
      sendLocalReply(exchange, { status: 400, flags: '-', message: `bad request target: ${rejected}` });
      return;
    }
    try {
      await this.#run(exchange);
    } catch (error) {
      sendLocalReply(exchange, { status: 500, flags: '-', message: `proxy error: ${(error as Error).message}` });
    }
  }

  async #run(exchange: HttpExchange): Promise<void> {
    const dialled = this.#dialledBackend(exchange.connection);
    const source = filled(exchange.connection.source, 'source');
    const { state } = this.inputs;
    const lookup = state.routes.lookup(dialled.service, dialled.port.port, source.namespace, exchange.request);
    const decision = decideRoute(exchange.request, lookup, dialled, state);
    if (decision.route) exchange.route = decision.route;
    if (decision.kind === 'reply') {
      exchange.backend = dialled;
      sendLocalReply(exchange, decision.reply);
      return;
    }
    exchange.backend = decision.backend;
    if (decision.backend.endpoints.length === 0) {
      sendLocalReply(exchange, { status: 503, flags: 'UH', message: 'no healthy upstream' });
      return;
    }
    // Retries and mirrors send the body again: read it first (bounded; past the bound it streams and is sent once).
    const body = decision.retry || decision.mirrors.length > 0 ? await readBody(exchange.downstream.request, maxBufferedBodyBytes) : undefined;
    for (const mirror of decision.mirrors) this.#mirror(exchange, mirror, body);
    for (const modifier of decision.backendRequestHeaders) modifyRequestHeaders(exchange.request.headers as Record<string, readonly string[] | undefined>, modifier);
    await this.#forward(exchange, decision, body);
  }

  /** Attempts until one is answered, within the request timeout (GEP-1742) and the retry policy (GEP-1731). */
  async #forward(exchange: HttpExchange, decision: Forward, body: Buffer | 'too_large' | undefined): Promise<void> {
    const backend = decision.backend;
    const protocol = upstreamProtocol(exchange, this.inputs.state.portProtocol(backend.service, backend.port));
    const requestTimeout = decision.timeouts?.requestMs ? AbortSignal.timeout(decision.timeouts.requestMs) : undefined;
    const retry = body === 'too_large' ? undefined : decision.retry;
    const buffered = body === 'too_large' ? undefined : body;
    const retries = retry ? (retry.attempts ?? defaultRetryAttempts) : 0;
    const retryCodes = new Set(retry?.codes ?? []);
    const { connectAttempts } = this.inputs.config;
    const errors: string[] = [];
    let last: AttemptOutcome | undefined;
    for (let attempt = 0; attempt <= Math.max(retries, connectAttempts - 1); attempt++) {
      if (attempt > 0 && retry?.backoffMs) await sleep(retry.backoffMs, undefined, requestTimeout ? { signal: requestTimeout } : {}).catch(() => undefined);
      if (requestTimeout?.aborted) break;
      const endpoint = this.#balancer.next(serviceKey(backend.service, backend.port), backend.endpoints)!;
      exchange.endpoint = endpoint;
      if (authorizeLocalRequest(this.inputs, exchange.connection.source, exchange.request, endpoint, exchange.downstream.response)?.allowed === false) {
        sendLocalReply(exchange, accessDenied);
        return;
      }
      exchange.attempts++;
      const backendTimeout = decision.timeouts?.backendRequestMs ? AbortSignal.timeout(decision.timeouts.backendRequestMs) : undefined;
      const signal = anySignal(requestTimeout, backendTimeout);
      const canRetry = attempt < retries;
      last = await sendUpstream(exchange, this.pool, endpoint, protocol, {
        ...(buffered ? { body: buffered } : {}),
        ...(signal ? { signal } : {}),
        ...(canRetry ? { retryStatus: (status: number) => retryCodes.has(status) } : {}),
        ...(attempt > 0 && !canRetry ? { exhaustedOn: retryCodes } : {}),
        responseHeaders: decision.responseHeaders,
      });
      if (last.result === 'answered') return;
      if (last.result === 'connect' && deniedByDestination(last.error)) {
        sendLocalReply(exchange, accessDenied);
        return;
      }
      if (last.result === 'downstream_closed') {
        if (exchange.flags === '-') exchange.flags = 'DC';
        return;
      }
      if (last.result === 'connect' || last.result === 'reset') errors.push(`${endpoint.ip}:${endpoint.port}: ${last.error.message}`);
      if (last.result === 'retry_status') errors.push(`${endpoint.ip}:${endpoint.port}: answered ${last.status}`);
      if (last.result === 'timeout' && !canRetry) break;
      // Without a retry policy only a connect failure moves on (nothing was sent); a sent request is not sent twice.
      if (!canRetry && !(last.result === 'connect' && attempt < connectAttempts - 1)) break;
    }
    const detail = errors.join('; ');
    if (last?.result === 'timeout' || requestTimeout?.aborted) {
      sendLocalReply(exchange, { status: 504, flags: 'UT', message: 'upstream request timeout' });
    } else if (retries > 0 && exchange.attempts > 1) {
      sendLocalReply(exchange, { status: 503, flags: 'URX', message: `retries exhausted after ${exchange.attempts} attempts: ${detail}` });
    } else {
      sendLocalReply(exchange, {
        status: 503,
        flags: last?.result === 'reset' ? 'UC' : 'UF',
        message: `upstream connect error or disconnect/reset before headers: ${detail}`,
      });
    }
  }

  /** RequestMirror: the same request to one endpoint of the mirror backend, its answer dropped; the client never waits on it. */
  #mirror(exchange: HttpExchange, mirror: RequestMirror, body: Buffer | 'too_large' | undefined): void {
    if (!mirrorSampled(mirror)) return;
    const { backendRef } = mirror;
    const target = this.inputs.state.servicePort(backendRef.namespace, backendRef.name, backendRef.port);
    if (!target || target.endpoints.length === 0) return;
    const endpoint = this.#balancer.next(`mirror ${serviceKey(target.service, target.port)}`, target.endpoints)!;
    if (authorizeLocalRequest(this.inputs, exchange.connection.source, exchange.request, endpoint)?.allowed === false) return; // a mirror obeys the mirror's policies
    const protocol = upstreamProtocol(exchange, this.inputs.state.portProtocol(target.service, target.port));
    const copy: HttpExchange = { ...exchange, request: { ...exchange.request, headers: { ...exchange.request.headers } } };
    void sendUpstream(copy, this.pool, endpoint, protocol, {
      body: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
      responseHeaders: [],
      discard: true,
      signal: AbortSignal.timeout(mirrorTimeoutMs),
    });
  }

  /** An HTTP/1.1 upgrade (WebSocket): routed as any request, then the bytes are joined (upgrade.ts). */
  async upgrade(connection: OutboundConnection, request: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const dialled = this.#dialledBackend(connection);
    const source = filled(connection.source, 'source');
    const { state } = this.inputs;
    const parsed = requestView(request, this.inputs.config.pathNormalization ?? defaultPathNormalization);
    if ('rejected' in parsed) return replyOnUpgrade(client, { status: 400, flags: '-', message: `bad request target: ${parsed.rejected}` });
    const view = parsed;
    const decision = decideRoute(view, state.routes.lookup(dialled.service, dialled.port.port, source.namespace, view), dialled, state);
    if (decision.kind === 'reply') return replyOnUpgrade(client, decision.reply);
    const { backend } = decision;
    if (backend.endpoints.length === 0) return replyOnUpgrade(client, { status: 503, flags: 'UH', message: 'no healthy upstream' });
    const endpoint = this.#balancer.next(serviceKey(backend.service, backend.port), backend.endpoints)!;
    if (authorizeLocalRequest(this.inputs, source, view, endpoint)?.allowed === false) return replyOnUpgrade(client, accessDenied);
    const outcome = await proxyUpgrade(this.inputs, source, endpoint, request, view, client, head);
    if (outcome.error) this.inputs.log.debug({ err: outcome.error, status: outcome.status, endpoint: `${endpoint.ip}:${endpoint.port}` }, 'upgraded connection ended with an error');
  }

  #dialledBackend(connection: OutboundConnection): Backend {
    const destination = filled(connection.destination, 'destination');
    if (destination.kind !== 'service') throw new Error('HTTP is terminated only for Service ports');
    return { service: destination.service, port: destination.port, endpoints: destination.endpoints };
  }

  #finished(exchange: HttpExchange): void {
    exchange.durationMs = performance.now() - exchange.startedAt;
    if (exchange.status === undefined) {
      exchange.status = 0;
      if (exchange.flags === '-') exchange.flags = 'DC';
    }
    const { scope } = exchange.connection;
    if (channels.httpExchange.hasSubscribers) channels.httpExchange.publish({ scope, exchange });
  }
}

/** HTTP/2 upstream where the backend port declares it (gRPC included); HTTP/1.1 where it declares HTTP; else what the client speaks. */
function upstreamProtocol(exchange: HttpExchange, declared: PortProtocol): UpstreamProtocol {
  if (declared === 'http2' || declared === 'grpc') return 'http2';
  if (declared === 'http1') return 'http1';
  return exchange.protocol;
}

/** What the access log and metrics see of a request whose target was refused: the target as sent. */
function rejectedView(request: DownstreamRequest): RequestView {
  const target = request.url ?? '';
  return { method: request.method ?? 'GET', path: target, query: '', headers: {} };
}

/** The endpoint's node refused the tunnel stream under an AuthorizationPolicy (its CONNECT answered 403). */
function deniedByDestination(error: Error): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof TunnelRefusedError && cause.status === 403) return true;
  }
  return false;
}
