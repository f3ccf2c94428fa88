/**
 * The HTTP side of an outbound connection's telemetry: an HttpObserver whose
 * requests become Istio's request metrics (reporter="source", the
 * connection's labels plus response_code and response_flags) and, as the
 * access log mode allows, one `request complete` line each with the trace
 * context the request carried.
 */
import type { Logger } from '../../core/log.js';
import type { AgentMetrics, TcpLabels } from '../metrics.js';
import { requestFailed, type AccessLog } from './access-log.js';
import { HttpObserver, type ObservedRequest } from './http-observer.js';
import { parseTraceparent, summarizeBaggage } from './trace-context.js';

export interface HttpConnectionContext {
  metrics: AgentMetrics;
  log: Logger;
  accessLog: AccessLog;
  /** the connection's source-reporter labels */
  labels: TcpLabels;
  /** as the connection's own log line names them */
  src: Record<string, unknown>;
  dst: Record<string, unknown>;
}

export function observeHttp(context: HttpConnectionContext, now?: () => number): HttpObserver {
  const recordMetrics = context.metrics.httpConnection(context.labels);
  return new HttpObserver({
    ...(now ? { now } : {}),
    onRequest: (request) => record(context, recordMetrics, request),
    onError: (error, side) => {
      context.metrics.httpObserveErrors.inc();
      context.log.debug({ err: error, side, src: context.src, dst: context.dst }, 'stopped observing HTTP on this connection');
    },
  });
}

function record(context: HttpConnectionContext, recordMetrics: ReturnType<AgentMetrics['httpConnection']>, request: ObservedRequest): void {
  const { log, accessLog } = context;
  recordMetrics(String(request.status), request.flags, request);
  if (!accessLog.admits(requestFailed(request.status, request.flags))) return;
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
      src: context.src,
      dst: context.dst,
      ...(trace ? { traceId: trace.traceId, parentId: trace.parentId, sampled: trace.sampled } : {}),
      ...(baggage ? { baggage } : {}),
    },
    'request complete',
  );
}
