/** The proxy's own counters beside Istio's: what it refused, and where it stopped watching HTTP. */
import { Counter, type Registry } from 'prom-client';

export class ProxyMetrics {
  readonly refused: Counter<'reason'>;
  /** connections on which the HTTP/1 observer gave up (the copy went on) */
  readonly httpObserveErrors: Counter;

  constructor(registry: Registry) {
    this.httpObserveErrors = new Counter({
      name: 'weft_http_observe_errors_total',
      help: 'Connections that looked like HTTP/1 but that the observer could not parse; their bytes were proxied unchanged and count in istio_tcp_*, their requests are not in istio_requests_total',
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'weft_connections_refused_total',
      help:
        'Connections the proxy refused, by reason. Outbound: no_original_destination, unknown_source_workload, unknown_destination, ' +
        'no_healthy_endpoint, upstream_connect_failed. Inbound tunnel: tunnel_handshake_failed, tunnel_unknown_server_name, ' +
        'tunnel_peer_identity, tunnel_not_http2, tunnel_bad_request, tunnel_destination_not_local, tunnel_misdirected, tunnel_upstream_connect_failed, tunnel_dial_queue_full',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
