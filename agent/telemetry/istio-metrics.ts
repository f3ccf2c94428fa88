/**
 * Istio's connection and request families, with Istio's standard names and
 * labels so existing dashboards, Kiali and alerts read them.
 *
 * Who reports what: every proxied connection is counted by the istio_tcp_*
 * counters twice when it crosses nodes, as in ztunnel (reporter="source" by
 * the outbound proxy, reporter="destination" by the inbound one), once when
 * it stays on the node. HTTP requests are counted once, by the outbound
 * proxy (reporter="source"), the only side that parses them, so
 * sum(rate(istio_requests_total[...])) is the request rate.
 */
import { Counter, type Registry } from 'prom-client';
import { LabelSetCap } from './metrics-label-cap.js';
import { SeriesCounter, SeriesHistogram, type CounterSeries, type HistogramSeries } from './metrics-series.js';

const tcpLabels = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'request_protocol',
  'response_flags',
  'connection_security_policy',
] as const;

type TcpLabelName = (typeof tcpLabels)[number];
export type TcpLabels = Record<TcpLabelName, string>;

/** grpc_response_status: the gRPC status of a gRPC request ('' for any other), as Istio's standard metrics have it. */
const httpLabels = [...tcpLabels, 'response_code', 'grpc_response_status'] as const;
type HttpLabelName = (typeof httpLabels)[number];
/** The label names of the istio_tcp_* families and of the HTTP ones, for anything that builds the same series (tests). */
export { tcpLabels as tcpLabelNames, httpLabels as httpLabelNames };
export type HttpLabels = Record<HttpLabelName, string>;

/** Labels with few values (who reports, protocol, outcome), kept as they are past the label-set cap. */
const fewValuedLabels: ReadonlySet<string> = new Set(['reporter', 'request_protocol', 'response_flags', 'connection_security_policy', 'response_code', 'grpc_response_status']);
/** The labels that name who talked to whom: the ones folded to `overflow` past the label-set cap. */
const identityLabels = tcpLabels.filter((name) => !fewValuedLabels.has(name));

/** Istio's buckets for istio_request_duration_milliseconds. */
export const durationBucketsMs = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Istio's buckets for istio_request_bytes and istio_response_bytes: powers of ten up to 1 GB. */
export const byteBuckets = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** Label sets per group of families (the TCP counters; the HTTP families) before new ones fold into `overflow`. */
export const defaultMaxLabelSets = 2000;

/** What one observed HTTP request adds to the HTTP families. */
export interface HttpRequestSample {
  durationMs: number;
  requestBodyBytes: number;
  responseBodyBytes: number;
}

export type HttpRecorder = (responseCode: string, flags: string, sample: HttpRequestSample) => void;

export class IstioMetrics {
  // The per-connection and per-request families: series handles resolved once (metrics-series.ts).
  readonly tcpOpened: SeriesCounter<TcpLabelName>;
  readonly tcpClosed: SeriesCounter<TcpLabelName>;
  readonly tcpSent: SeriesCounter<TcpLabelName>;
  readonly tcpReceived: SeriesCounter<TcpLabelName>;
  readonly requests: SeriesCounter<HttpLabelName>;
  readonly requestDuration: SeriesHistogram<HttpLabelName>;
  readonly requestBytes: SeriesHistogram<HttpLabelName>;
  readonly responseBytes: SeriesHistogram<HttpLabelName>;
  readonly labelSetsDropped: Counter<'group'>;
  readonly #tcpCap: LabelSetCap<TcpLabelName>;
  readonly #httpCap: LabelSetCap<HttpLabelName>;

  constructor(registry: Registry, maxLabelSets = defaultMaxLabelSets) {
    const tcp = (name: string, help: string) => new SeriesCounter(name, help, tcpLabels, registry);
    this.tcpOpened = tcp('istio_tcp_connections_opened_total', 'TCP connections opened through the proxy');
    this.tcpClosed = tcp('istio_tcp_connections_closed_total', 'TCP connections closed through the proxy');
    this.tcpSent = tcp('istio_tcp_sent_bytes_total', 'Bytes sent by the source workload over TCP (counted when the connection closes)');
    this.tcpReceived = tcp('istio_tcp_received_bytes_total', 'Bytes received by the source workload over TCP (counted when the connection closes)');
    this.requests = new SeriesCounter(
      'istio_requests_total',
      'HTTP/1 requests seen by the outbound proxy (reporter="source" only), by response code and Envoy response flags (UC, DC)',
      httpLabels,
      registry,
    );
    const histogram = (name: string, help: string, buckets: number[]) => new SeriesHistogram(name, help, httpLabels, buckets, registry);
    this.requestDuration = histogram(
      'istio_request_duration_milliseconds',
      'HTTP request duration: first request byte to last response byte, as the outbound proxy saw them',
      durationBucketsMs,
    );
    this.requestBytes = histogram('istio_request_bytes', 'HTTP request body sizes in bytes (without chunked framing)', byteBuckets);
    this.responseBytes = histogram('istio_response_bytes', 'HTTP response body sizes in bytes (without chunked framing)', byteBuckets);
    this.labelSetsDropped = new Counter({
      name: 'weft_metric_label_sets_dropped_total',
      help: `Recordings whose label set was folded into the overflow series (source_*, destination_* labels "overflow") because their group (tcp: istio_tcp_*; http: istio_request*) already had ${maxLabelSets} label sets`,
      labelNames: ['group'],
      registers: [registry],
    });
    this.#tcpCap = new LabelSetCap(maxLabelSets, tcpLabels, identityLabels, () => this.labelSetsDropped.inc({ group: 'tcp' }));
    this.#httpCap = new LabelSetCap(maxLabelSets, httpLabels, identityLabels, () => this.labelSetsDropped.inc({ group: 'http' }));
  }

  /** A proxied connection opened; the returned function records its close. Labels past the cap fold into `overflow`. */
  tcpConnection(labels: TcpLabels): { closed(sent: number, received: number): void } {
    const admitted = this.#tcpCap.admit(labels);
    this.tcpOpened.labels(admitted).inc();
    return {
      closed: (sent, received) => {
        this.tcpClosed.labels(admitted).inc();
        this.tcpSent.labels(admitted).inc(sent);
        this.tcpReceived.labels(admitted).inc(received);
      },
    };
  }

  /**
   * The HTTP families of one connection: its labels are fixed, so each
   * (response code, flags) pair resolves its four series once and every
   * request after that is four array increments.
   */
  httpConnection(labels: TcpLabels): HttpRecorder {
    const handles = new Map<string, HttpSeries>();
    return (responseCode, flags, sample) => {
      const key = `${responseCode} ${flags}`;
      let series = handles.get(key);
      if (!series) {
        series = this.#httpSeries({ ...labels, request_protocol: 'http', response_code: responseCode, response_flags: flags, grpc_response_status: '' });
        handles.set(key, series);
      }
      record(series, sample);
    };
  }

  /** One terminated request (its labels are its own: each request may reach another backend). */
  httpExchange(labels: TcpLabels, responseCode: string, grpcStatus: string, sample: HttpRequestSample): void {
    record(this.#httpSeries({ ...labels, response_code: responseCode, grpc_response_status: grpcStatus }), sample);
  }

  #httpSeries(labels: HttpLabels): HttpSeries {
    const admitted = this.#httpCap.admit(labels);
    return {
      requests: this.requests.labels(admitted),
      duration: this.requestDuration.labels(admitted),
      requestBytes: this.requestBytes.labels(admitted),
      responseBytes: this.responseBytes.labels(admitted),
    };
  }
}

interface HttpSeries {
  requests: CounterSeries;
  duration: HistogramSeries;
  requestBytes: HistogramSeries;
  responseBytes: HistogramSeries;
}

function record(series: HttpSeries, sample: HttpRequestSample): void {
  series.requests.inc();
  series.duration.observe(sample.durationMs);
  series.requestBytes.observe(sample.requestBodyBytes);
  series.responseBytes.observe(sample.responseBodyBytes);
}
