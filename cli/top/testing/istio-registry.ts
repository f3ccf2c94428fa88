/**
 * An agent's Istio metrics as the proxy builds them: a real prom-client
 * registry with Istio's names, labels and buckets, for the top tests.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { byteBuckets, durationBucketsMs as durationBuckets, httpLabelNames, tcpLabelNames } from '../../../agent/telemetry/istio-metrics.js';
import { parseExposition } from '../exposition.js';
import type { TimedSamples } from '../golden-metrics.js';

const labelNames = httpLabelNames;

/** One agent's registry, built as the proxy builds its metrics. */
export class IstioRegistry {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'istio_requests_total', help: 'requests', labelNames, registers: [this.registry] });
  readonly duration = new Histogram({ name: 'istio_request_duration_milliseconds', help: 'duration', labelNames, buckets: durationBuckets, registers: [this.registry] });
  readonly requestBytes = new Histogram({ name: 'istio_request_bytes', help: 'request bytes', labelNames, buckets: byteBuckets, registers: [this.registry] });
  readonly responseBytes = new Histogram({ name: 'istio_response_bytes', help: 'response bytes', labelNames, buckets: byteBuckets, registers: [this.registry] });
  readonly tcpOpened = new Counter({ name: 'istio_tcp_connections_opened_total', help: 'opened', labelNames: tcpLabelNames, registers: [this.registry] });
  readonly tcpClosed = new Counter({ name: 'istio_tcp_connections_closed_total', help: 'closed', labelNames: tcpLabelNames, registers: [this.registry] });
  readonly tcpSent = new Counter({ name: 'istio_tcp_sent_bytes_total', help: 'sent', labelNames: tcpLabelNames, registers: [this.registry] });
  readonly tcpReceived = new Counter({ name: 'istio_tcp_received_bytes_total', help: 'received', labelNames: tcpLabelNames, registers: [this.registry] });

  /** One HTTP request as the client's node proxy reports it. */
  request(service: string, code: number, ms: number, options: { reporter?: string; workload?: string; requestBytes?: number; responseBytes?: number } = {}): void {
    const labels = { ...this.#labels(service, options.reporter ?? 'source', options.workload), request_protocol: 'http', response_code: String(code) };
    this.requests.inc(labels);
    this.duration.observe(labels, ms);
    this.requestBytes.observe(labels, options.requestBytes ?? 0);
    this.responseBytes.observe(labels, options.responseBytes ?? 0);
  }

  connection(service: string, sent: number, received: number, options: { reporter?: string; open?: boolean } = {}): void {
    const labels = { ...this.#labels(service, options.reporter ?? 'source'), request_protocol: 'tcp' };
    this.tcpOpened.inc(labels);
    if (options.open) return;
    this.tcpClosed.inc(labels);
    this.tcpSent.inc(labels, sent);
    this.tcpReceived.inc(labels, received);
  }

  async scrape(at: number): Promise<TimedSamples> {
    return { at, samples: parseExposition(await this.registry.metrics()) };
  }

  #labels(service: string, reporter: string, workload = service) {
    return {
      reporter,
      source_workload: 'frontend',
      source_workload_namespace: 'shop',
      source_principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
      destination_workload: workload,
      destination_workload_namespace: 'shop',
      destination_principal: `spiffe://cluster.local/ns/shop/sa/${service}`,
      destination_service: `${service}.shop.svc.cluster.local`,
      destination_service_name: service,
      destination_service_namespace: 'shop',
      response_flags: '-',
      connection_security_policy: 'mutual_tls',
    };
  }
}
