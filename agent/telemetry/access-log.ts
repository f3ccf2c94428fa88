/**
 * The access log: one line per connection of each listener (`connection
 * complete`, `connection refused`, `inbound connection complete`, `inbound
 * connection refused`) and one per observed HTTP/1 request (`request
 * complete`, with the trace context it carried), as the access log mode
 * admits (proxy/access-log.ts). Lines go through the batched logger.
 */
import type { Logger } from '../../core/log.js';
import { spiffeId } from '../../core/spiffe-id.js';
import type { InboundRefusedError } from '../proxy/tunnel-errors.js';
import { AccessLog, requestFailed, type AccessLogOptions } from '../proxy/access-log.js';
import { parseTraceparent, summarizeBaggage } from '../proxy/trace-context.js';
import type { Connection } from '../stack/connection.js';
import { filled } from '../stack/stack.js';
import { channels, type ConnectionRefused, type HttpRequest, type TelemetryScope } from './events.js';
import { exchangeLabels, type ConnectionLabels } from './labels.js';
import type { HttpExchange } from '../http/exchange.js';
import { authorityOf } from '../http/request-view.js';
import { all, on, type Unsubscribe } from './subscription.js';

export interface AccessLogSinks {
  /** the outbound listener's log */
  outbound: Logger;
  inbound: Logger;
  options?: AccessLogOptions;
}

export function subscribeAccessLog(scope: TelemetryScope, labels: ConnectionLabels, sinks: AccessLogSinks): Unsubscribe {
  const accessLog = new AccessLog(sinks.options);
  return all([
    on(channels.connectionClose, scope, ({ connection }) => {
      if (accessLog.admits(filled(connection.result, 'result').error !== undefined)) complete(connection, labels, sinks);
    }),
    on(channels.connectionRefused, scope, (message) => {
      if (accessLog.admits(true)) refused(message, sinks);
    }),
    on(channels.httpExchange, scope, ({ exchange }) => {
      if (accessLog.admits(requestFailed(exchange.status ?? 0, exchange.flags))) terminatedRequest(exchange, labels.trustDomain, sinks.outbound);
    }),
    on(channels.httpRequest, scope, (message) => {
      if (accessLog.admits(requestFailed(message.request.status, message.request.flags))) request(message, labels, sinks.outbound);
    }),
  ]);
}

function complete(connection: Connection, labels: ConnectionLabels, sinks: AccessLogSinks): void {
  const { src, dst } = labels.of(connection);
  const { sent, received, error } = filled(connection.result, 'result');
  const durationMs = Math.round(performance.now() - connection.startedAt);
  if (connection.direction === 'outbound') {
    const { tunnel } = connection;
    sinks.outbound.info({ src, dst, ...(tunnel ? { tunnel } : {}), sent, received, durationMs, error: error?.message }, 'connection complete');
  } else if (connection.direction === 'inbound') {
    sinks.inbound.info({ src, dst, sent, received, durationMs, ...connection.trace, error: error?.message }, 'inbound connection complete');
  } else {
    sinks.inbound.info({ src, dst, sent, received, durationMs, error: error?.message }, 'inbound plaintext connection complete');
  }
}

function refused(message: ConnectionRefused, sinks: AccessLogSinks): void {
  if (message.connection.direction === 'outbound') {
    const { connection, error } = message;
    const { source, peer } = connection;
    const src = { workload: source && `${source.namespace}/${source.name}`, addr: `${peer.ip}:${peer.port}` };
    sinks.outbound.warn({ reason: error.reason, src, detail: error.message }, 'connection refused');
  } else {
    const { peer, authority, trace } = message.connection;
    const error = message.error as InboundRefusedError;
    const src = { principal: spiffeId(peer.identity), addr: peer.address, session: peer.sessionId };
    sinks.inbound.warn({ reason: error.reason, status: error.status, src, dst: { addr: authority }, detail: error.message, ...trace }, 'inbound connection refused');
  }
}

/** A request the proxy terminated: what was asked, where it went (route, rule, backend, endpoint) and how it ended. */
function terminatedRequest(exchange: HttpExchange, trustDomain: string, log: Logger): void {
  const { src, dst } = exchangeLabels(exchange, trustDomain);
  const { request } = exchange;
  const trace = parseTraceparent(request.headers['traceparent']?.[0]);
  log.info(
    {
      protocol: exchange.protocol === 'http2' ? 'HTTP/2' : 'HTTP/1.1',
      method: request.method,
      authority: authorityOf(request),
      path: exchange.originalPath,
      ...(request.path !== exchange.originalPath ? { upstreamPath: request.path } : {}),
      status: exchange.status,
      ...(exchange.grpcStatus !== undefined ? { grpcStatus: exchange.grpcStatus } : {}),
      flags: exchange.flags,
      ...(exchange.route ? { route: `${exchange.route.kind} ${exchange.route.namespace}/${exchange.route.name}`, rule: exchange.route.rule } : {}),
      ...(exchange.route?.ruleName !== undefined ? { ruleName: exchange.route.ruleName } : {}),
      ...(exchange.attempts > 1 ? { attempts: exchange.attempts } : {}),
      ...(exchange.tunnel ? { tunnel: exchange.tunnel } : {}),
      durationMs: Math.round((exchange.durationMs ?? 0) * 1000) / 1000,
      requestBytes: exchange.requestBodyBytes,
      responseBytes: exchange.responseBodyBytes,
      src,
      dst,
      ...(exchange.detail ? { detail: exchange.detail } : {}),
      ...(trace ? { traceId: trace.traceId, parentId: trace.parentId, sampled: trace.sampled } : {}),
    },
    'request complete',
  );
}

function request({ connection, request }: HttpRequest, labels: ConnectionLabels, log: Logger): void {
  const { src, dst } = labels.of(connection);
  const trace = parseTraceparent(request.traceparent);
  const baggage = summarizeBaggage(request.baggage);
  log.info(
    {
      protocol: `HTTP/${request.httpVersion}`,
      method: request.method,
      authority: request.authority,
      path: request.path,
      status: request.status,
      flags: request.flags,
      durationMs: Math.round(request.durationMs * 1000) / 1000,
      requestBytes: request.requestBodyBytes,
      responseBytes: request.responseBodyBytes,
      src,
      dst,
      ...(trace ? { traceId: trace.traceId, parentId: trace.parentId, sampled: trace.sampled } : {}),
      ...(baggage ? { baggage } : {}),
    },
    'request complete',
  );
}
