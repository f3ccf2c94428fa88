/** The proxy's own counters beside Istio's: what it refused, and where it stopped watching HTTP. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class ProxyMetrics {
  readonly refused: Counter<'reason'>;
  /** connections on which the HTTP/1 observer gave up (the copy went on) */
  readonly httpObserveErrors: Counter;
  /** decisions on workloads some AuthorizationPolicy selects (none are counted for the others: they cost nothing) */
  readonly authorizationDecisions: Counter<'policy' | 'action' | 'decision'>;

  #descriptors: (() => { inUse: number; budget: number }) | undefined;

  constructor(registry: Registry) {
    const metrics = this;
    new Gauge({
      name: 'weft_proxy_descriptors',
      help: 'File descriptors proxied connections hold (in_use) and may hold (budget: the open-file limit less the reserve for health, metrics and the control plane)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const descriptors = metrics.#descriptors?.();
        if (!descriptors) return;
        this.set({ state: 'in_use' }, descriptors.inUse);
        this.set({ state: 'budget' }, descriptors.budget);
      },
    });
    this.httpObserveErrors = new Counter({
      name: 'weft_http_observe_errors_total',
      help: 'Connections that looked like HTTP/1 but that the observer could not parse; their bytes were proxied unchanged and count in istio_tcp_*, their requests are not in istio_requests_total',
      registers: [registry],
    });
    this.authorizationDecisions = new Counter({
      name: 'weft_authorization_decisions_total',
      help:
        'Authorization decisions on connections and requests to workloads an AuthorizationPolicy selects: the policy (namespace/name) and action ' +
        '(ALLOW, DENY, AUDIT) that decided, policy="" action="" when no ALLOW policy matched; decision allow or deny. An AUDIT match counts once more, under its policy',
      labelNames: ['policy', 'action', 'decision'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'weft_connections_refused_total',
      help:
        'Connections the proxy refused, by reason. Outbound: no_original_destination, unknown_source_workload, unknown_destination, ' +
        'no_healthy_endpoint, upstream_connect_failed; on accept, pod_connection_limit (one source pod holds its share) and ' +
        'node_connection_limit (the descriptor budget is spent); on 15020, metrics_connection_limit. Inbound tunnel: tunnel_handshake_failed, tunnel_unknown_server_name, ' +
        'tunnel_peer_identity, tunnel_not_http2, tunnel_bad_request, tunnel_destination_not_local, tunnel_misdirected, tunnel_upstream_connect_failed, tunnel_dial_queue_full',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** The proxy's connection limits (agent/proxy/connection-limits.ts), for weft_proxy_descriptors. */
  bindDescriptors(source: () => { inUse: number; budget: number }): void {
    this.#descriptors = source;
  }
}
