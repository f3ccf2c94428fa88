/**
 * Istio's request families (reporter="source": the connection's labels plus
 * response_code and response_flags), from the observer's requests. The
 * series handles are resolved once per connection and response code
 * (istio-metrics.ts), so a request costs four array increments.
 */
import type { Logger } from '../../core/log.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import type { OutboundConnection } from '../stack/connection.js';
import { channels, type TelemetryScope } from './events.js';
import type { HttpRecorder, IstioMetrics } from './istio-metrics.js';
import { exchangeLabels, type ConnectionLabels } from './labels.js';
import { all, on, type Unsubscribe } from './subscription.js';

export function subscribeIstioHttp(
  scope: TelemetryScope,
  labels: ConnectionLabels,
  metrics: { istio: IstioMetrics; proxy: ProxyMetrics },
  log: Logger,
): Unsubscribe {
  const recorders = new WeakMap<OutboundConnection, HttpRecorder>();
  return all([
    on(channels.httpRequest, scope, ({ connection, request }) => {
      let record = recorders.get(connection);
      if (!record) {
        record = metrics.istio.httpConnection(labels.of(connection).labels);
        recorders.set(connection, record);
      }
      record(String(request.status), request.flags, request);
    }),
    on(channels.httpExchange, scope, ({ exchange }) => {
      const { labels: tcp } = exchangeLabels(exchange, labels.trustDomain);
      metrics.istio.httpExchange(tcp, String(exchange.status ?? 0), exchange.grpcStatus ?? '', {
        durationMs: exchange.durationMs ?? 0,
        requestBodyBytes: exchange.requestBodyBytes,
        responseBodyBytes: exchange.responseBodyBytes,
      });
    }),
    on(channels.httpObserveError, scope, ({ connection, error, side }) => {
      metrics.proxy.httpObserveErrors.inc();
      const { src, dst } = labels.of(connection);
      log.debug({ err: error, side, src, dst }, 'stopped observing HTTP on this connection');
    }),
  ]);
}
