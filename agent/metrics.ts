/**
 * One prom-client registry for the agent. Connection and request metrics
 * carry Istio's standard names and labels so existing dashboards, Kiali and
 * alerts read them; weft_* are the agent's own.
 *
 * Who reports what: every proxied connection is counted by the istio_tcp_*
 * counters twice when it crosses nodes, as in ztunnel (reporter="source" by
 * the outbound proxy, reporter="destination" by the inbound one), once when
 * it stays on the node. HTTP requests are counted once, by the outbound
 * proxy (reporter="source"), the only side that parses them, so
 * sum(rate(istio_requests_total[...])) is the request rate.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RefusalReason } from '../core/errors.js';
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

export type TcpLabels = Record<(typeof tcpLabels)[number], string>;

const httpLabels = [...tcpLabels, 'response_code'] as const;
type HttpLabelName = (typeof httpLabels)[number];
/** The label names of the istio_tcp_* families and of the HTTP ones, for anything that builds the same series (tests). */
export { tcpLabels as tcpLabelNames, httpLabels as httpLabelNames };
export type HttpLabels = Record<HttpLabelName, string>;

/** Labels with few values (who reports, protocol, outcome), kept as they are past the label-set cap. */
const fewValuedLabels: ReadonlySet<string> = new Set(['reporter', 'request_protocol', 'response_flags', 'connection_security_policy', 'response_code']);
/** The labels that name who talked to whom: the ones folded to `overflow` past the label-set cap. */
const identityLabels = tcpLabels.filter((name) => !fewValuedLabels.has(name));

/** Istio's buckets for istio_request_duration_milliseconds. */
export const durationBucketsMs = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Istio's buckets for istio_request_bytes and istio_response_bytes: powers of ten up to 1 GB. */
export const byteBuckets = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** Label sets per group of families (the TCP counters; the HTTP families) before new ones fold into `overflow`. */
export const defaultMaxLabelSets = 2000;

/** How full a pinned eBPF map is, read at scrape time. */
export interface MapFill {
  map: string;
  entries: number;
  capacity: number;
}

export interface DatapathCounters {
  redirected(): bigint;
  /** the hash maps whose fill is worth watching; absent without a datapath */
  mapFill?(): MapFill[];
}

export interface AgentMetricsOptions {
  maxLabelSets?: number;
}

/** What one observed HTTP request adds to the HTTP families. */
export interface HttpRequestSample {
  durationMs: number;
  requestBodyBytes: number;
  responseBodyBytes: number;
}

export class AgentMetrics {
  readonly registry = new Registry();
  // The per-connection and per-request families: series handles resolved once (metrics-series.ts).
  readonly tcpOpened: SeriesCounter<(typeof tcpLabels)[number]>;
  readonly tcpClosed: SeriesCounter<(typeof tcpLabels)[number]>;
  readonly tcpSent: SeriesCounter<(typeof tcpLabels)[number]>;
  readonly tcpReceived: SeriesCounter<(typeof tcpLabels)[number]>;
  readonly requests: SeriesCounter<HttpLabelName>;
  readonly requestDuration: SeriesHistogram<HttpLabelName>;
  readonly requestBytes: SeriesHistogram<HttpLabelName>;
  readonly responseBytes: SeriesHistogram<HttpLabelName>;
  /** connections on which the HTTP/1 observer gave up (the copy went on) */
  readonly httpObserveErrors: Counter;
  readonly labelSetsDropped: Counter<'group'>;
  readonly refused: Counter<'reason'>;
  readonly enrolFailures: Gauge;
  /** Local meshed workloads not enrolled, by reason (agent/enrol/enrol-failure.ts: a fixed set) */
  readonly enrolPending: Gauge<'reason'>;
  readonly configVersion: Gauge;
  readonly controlPlaneConnected: Gauge;
  /** Seconds left on each local identity's certificate, read at scrape time from the identity manager. */
  readonly certificateExpiry: Gauge<'identity'>;
  #certificateExpiries: () => Iterable<[string, Date]> = () => [];
  /** TLS handshakes the tunnel pool made to peer node proxies; warm traffic makes none */
  readonly tunnelHandshakes: Counter<'result'>;
  /** open tunnel sessions: outbound (pooled, to peers) and inbound (from peers) */
  readonly tunnelSessions: Gauge<'direction'>;
  readonly #tcpCap: LabelSetCap<(typeof tcpLabels)[number]>;
  readonly #httpCap: LabelSetCap<HttpLabelName>;

  constructor(datapath?: DatapathCounters, options: AgentMetricsOptions = {}) {
    const tcp = (name: string, help: string) => new SeriesCounter(name, help, tcpLabels, this.registry);
    this.tcpOpened = tcp('istio_tcp_connections_opened_total', 'TCP connections opened through the proxy');
    this.tcpClosed = tcp('istio_tcp_connections_closed_total', 'TCP connections closed through the proxy');
    this.tcpSent = tcp('istio_tcp_sent_bytes_total', 'Bytes sent by the source workload over TCP (counted when the connection closes)');
    this.tcpReceived = tcp('istio_tcp_received_bytes_total', 'Bytes received by the source workload over TCP (counted when the connection closes)');
    this.requests = new SeriesCounter(
      'istio_requests_total',
      'HTTP/1 requests seen by the outbound proxy (reporter="source" only), by response code and Envoy response flags (UC, DC)',
      httpLabels,
      this.registry,
    );
    const histogram = (name: string, help: string, buckets: number[]) => new SeriesHistogram(name, help, httpLabels, buckets, this.registry);
    this.requestDuration = histogram(
      'istio_request_duration_milliseconds',
      'HTTP request duration: first request byte to last response byte, as the outbound proxy saw them',
      durationBucketsMs,
    );
    this.requestBytes = histogram('istio_request_bytes', 'HTTP request body sizes in bytes (without chunked framing)', byteBuckets);
    this.responseBytes = histogram('istio_response_bytes', 'HTTP response body sizes in bytes (without chunked framing)', byteBuckets);
    this.httpObserveErrors = new Counter({
      name: 'weft_http_observe_errors_total',
      help: 'Connections that looked like HTTP/1 but that the observer could not parse; their bytes were proxied unchanged and count in istio_tcp_*, their requests are not in istio_requests_total',
      registers: [this.registry],
    });
    const maxLabelSets = options.maxLabelSets ?? defaultMaxLabelSets;
    this.labelSetsDropped = new Counter({
      name: 'weft_metric_label_sets_dropped_total',
      help: `Recordings whose label set was folded into the overflow series (source_*, destination_* labels "overflow") because their group (tcp: istio_tcp_*; http: istio_request*) already had ${maxLabelSets} label sets`,
      labelNames: ['group'],
      registers: [this.registry],
    });
    this.#tcpCap = new LabelSetCap(maxLabelSets, tcpLabels, identityLabels, () => this.labelSetsDropped.inc({ group: 'tcp' }));
    this.#httpCap = new LabelSetCap(maxLabelSets, httpLabels, identityLabels, () => this.labelSetsDropped.inc({ group: 'http' }));
    this.refused = new Counter({
      name: 'weft_connections_refused_total',
      help:
        'Connections the proxy refused, by reason. Outbound: no_original_destination, unknown_source_workload, unknown_destination, ' +
        'no_healthy_endpoint, upstream_connect_failed. Inbound tunnel: tunnel_handshake_failed, tunnel_unknown_server_name, ' +
        'tunnel_peer_identity, tunnel_not_http2, tunnel_bad_request, tunnel_destination_not_local, tunnel_misdirected, tunnel_upstream_connect_failed',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.enrolFailures = new Gauge({
      name: 'weft_enrol_failures',
      help: 'Local workloads that could not be enrolled',
      registers: [this.registry],
    });
    this.enrolPending = new Gauge({
      name: 'weft_enrol_pending',
      help: 'Local meshed workloads not enrolled yet, by reason (cgroup_not_found: the kubelet has not made the pod cgroup yet)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.configVersion = new Gauge({
      name: 'weft_config_version',
      help: 'Version of the mesh config the agent serves (bumps when the config changes); set only while versions are numbers',
      registers: [this.registry],
    });
    this.controlPlaneConnected = new Gauge({
      name: 'weft_control_plane_connected',
      help: '1 while the agent has a synced stream to the control plane; 0 while it serves its last good config (always 0 standalone, with --config-dir)',
      registers: [this.registry],
    });
    this.tunnelHandshakes = new Counter({
      name: 'weft_tunnel_handshakes_total',
      help: 'mTLS handshakes to peer node proxies (HBONE tunnel sessions opened), by result',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.tunnelSessions = new Gauge({
      name: 'weft_tunnel_sessions',
      help: 'Open HTTP/2 tunnel sessions, outbound (pooled, to peer nodes) and inbound (from peer nodes)',
      labelNames: ['direction'],
      registers: [this.registry],
    });
    const expiries = () => this.#certificateExpiries();
    this.certificateExpiry = new Gauge({
      name: 'weft_certificate_expiry_seconds',
      help: 'Seconds until the workload certificate of each local identity (SPIFFE ID) expires; negative once expired',
      labelNames: ['identity'],
      registers: [this.registry],
      collect() {
        // Identities dropped since the last scrape disappear rather than freeze at their last value.
        this.reset();
        for (const [identity, notAfter] of expiries()) this.set({ identity }, (notAfter.getTime() - Date.now()) / 1000);
      },
    });
    let lastRedirected = 0n;
    new Counter({
      name: 'weft_redirected_connects_total',
      help: 'Connects that the eBPF connect4 program redirected to the node proxy (a per-CPU map counter, summed at scrape time)',
      registers: [this.registry],
      collect() {
        if (!datapath) return;
        const now = datapath.redirected();
        if (now > lastRedirected) this.inc(Number(now - lastRedirected));
        lastRedirected = now;
      },
    });
    // One read of the maps per scrape, shared by the two gauges (whichever prom-client collects first reads).
    let fill: { at: number; maps: MapFill[] } | undefined;
    const mapFill = (): MapFill[] => {
      if (!datapath?.mapFill) return [];
      const now = Date.now();
      if (!fill || now - fill.at > 1000) fill = { at: now, maps: datapath.mapFill() };
      return fill.maps;
    };
    new Gauge({
      name: 'weft_bpf_map_entries',
      help: 'Entries in each pinned eBPF hash map (mesh_dst, cookie_orig_dst, pair_orig_dst, cgroup_ingress), counted at scrape time',
      labelNames: ['map'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { map, entries } of mapFill()) this.set({ map }, entries);
      },
    });
    new Gauge({
      name: 'weft_bpf_map_capacity',
      help: 'max_entries of each pinned eBPF hash map; LRU maps evict their oldest entries when full, the others refuse new ones',
      labelNames: ['map'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { map, capacity } of mapFill()) this.set({ map }, capacity);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'weft_process_' });
    // Gauges named like counters, which promtool check metrics rejects; the same counts stay in
    // weft_process_nodejs_active_{handles,requests,resources} (by type).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(`weft_process_${name}`);
    }
  }

  /** The identity manager's certificates (agent/identity/secret-manager.ts), for weft_certificate_expiry_seconds. */
  bindCertificateExpiry(source: () => Iterable<[string, Date]>): void {
    this.#certificateExpiries = source;
  }

  refuse(reason: RefusalReason): void {
    this.refused.inc({ reason });
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
  httpConnection(labels: TcpLabels): (responseCode: string, flags: string, sample: HttpRequestSample) => void {
    const handles = new Map<string, HttpSeries>();
    return (responseCode, flags, sample) => {
      const key = `${responseCode} ${flags}`;
      let series = handles.get(key);
      if (!series) {
        series = this.#httpSeries({ ...labels, request_protocol: 'http', response_code: responseCode, response_flags: flags });
        handles.set(key, series);
      }
      record(series, sample);
    };
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
