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
import { sendLocalReply } from './local-reply.js';
import { requestView } from './request-view.js';
import { sendUpstream } from './send-upstream.js';
import type { UpstreamPool, UpstreamProtocol } from './upstream-pool.js';

export type ClientProtocol = 'http1' | 'http2';

export class RequestPath {
  readonly #balancer = new RoundRobin();

  constructor(
    private readonly inputs: ListenerInputs,
    private readonly pool: UpstreamPool,
  ) {}

  async handle(connection: OutboundConnection, protocol: ClientProtocol, request: DownstreamRequest, response: DownstreamResponse): Promise<void> {
    const exchange: HttpExchange = {
      id: nextExchangeId(),
      connection,
      protocol,
      grpc: String(request.headers['content-type'] ?? '').startsWith('application/grpc'),
      startedAt: performance.now(),
      downstream: { request, response },
      request: requestView(request),
      attempts: 0,
      flags: '-',
      requestBodyBytes: 0,
      responseBodyBytes: 0,
    };
    request.on('data', (chunk: Buffer) => (exchange.requestBodyBytes += chunk.length));
    response.once('close', () => this.#finished(exchange));
    try {
      await this.#run(exchange);
    } catch (error) {
      sendLocalReply(exchange, { status: 500, flags: '-', message: `proxy error: ${(error as Error).message}` });
    }
  }

  async #run(exchange: HttpExchange): Promise<void> {
    const backend = this.#dialledBackend(exchange.connection);
    exchange.backend = backend;
    if (backend.endpoints.length === 0) {
      sendLocalReply(exchange, { status: 503, flags: 'UH', message: 'no healthy upstream' });
      return;
    }
    const protocol = upstreamProtocol(exchange);
    const candidates = this.#balancer.order(serviceKey(backend.service, backend.port), backend.endpoints);
    const errors: string[] = [];
    for (const endpoint of candidates.slice(0, this.inputs.config.connectAttempts)) {
      exchange.endpoint = endpoint;
      exchange.attempts++;
      const outcome = await sendUpstream(exchange, this.pool, endpoint, protocol);
      if (outcome.result === 'answered' || outcome.result === 'downstream_closed') {
        if (outcome.result === 'downstream_closed' && exchange.flags === '-') exchange.flags = 'DC';
        return;
      }
      errors.push(`${endpoint.ip}:${endpoint.port}: ${outcome.error.message}`);
      if (outcome.result === 'reset') {
        // Sent, unanswered: the body may be gone, so it is not sent again without a retry policy.
        sendLocalReply(exchange, { status: 503, flags: 'UC', message: `upstream connect error or disconnect/reset before headers: ${errors.join('; ')}` });
        return;
      }
    }
    sendLocalReply(exchange, { status: 503, flags: 'UF', message: `upstream connect error or disconnect/reset before headers: ${errors.join('; ')}` });
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

/** HTTP/2 upstream where the port declares it (gRPC included); HTTP/1.1 where it declares HTTP; else what the client speaks. */
function upstreamProtocol(exchange: HttpExchange): UpstreamProtocol {
  const declared = exchange.connection.http?.declared;
  if (declared === 'http2' || declared === 'grpc') return 'http2';
  if (declared === 'http1') return 'http1';
  return exchange.protocol;
}
