/**
 * One prom-client registry for the agent. Connection metrics carry Istio's
 * standard names and labels so existing dashboards read them; weft_* are the
 * agent's own.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RefusalReason } from './errors.js';

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

export interface DatapathCounters {
  redirected(): bigint;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly tcpOpened: Counter<(typeof tcpLabels)[number]>;
  readonly tcpClosed: Counter<(typeof tcpLabels)[number]>;
  readonly tcpSent: Counter<(typeof tcpLabels)[number]>;
  readonly tcpReceived: Counter<(typeof tcpLabels)[number]>;
  readonly refused: Counter<'reason'>;
  readonly enrolFailures: Gauge;
  readonly configVersion: Gauge;
  readonly controlPlaneConnected: Gauge;
  /** Seconds left on each local identity's certificate, read at scrape time from the identity manager. */
  readonly certificateExpiry: Gauge<'identity'>;
  #certificateExpiries: () => Iterable<[string, Date]> = () => [];
  /** TLS handshakes the tunnel pool made to peer node proxies; warm traffic makes none */
  readonly tunnelHandshakes: Counter<'result'>;
  /** open tunnel sessions: outbound (pooled, to peers) and inbound (from peers) */
  readonly tunnelSessions: Gauge<'direction'>;

  constructor(datapath?: DatapathCounters) {
    const tcp = (name: string, help: string) =>
      new Counter({ name, help, labelNames: tcpLabels, registers: [this.registry] });
    this.tcpOpened = tcp('istio_tcp_connections_opened_total', 'TCP connections opened through the proxy');
    this.tcpClosed = tcp('istio_tcp_connections_closed_total', 'TCP connections closed through the proxy');
    this.tcpSent = tcp('istio_tcp_sent_bytes_total', 'Bytes sent by the source workload over TCP');
    this.tcpReceived = tcp('istio_tcp_received_bytes_total', 'Bytes received by the source workload over TCP');
    this.refused = new Counter({
      name: 'weft_connections_refused_total',
      help: 'Connections the proxy refused, by reason',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.enrolFailures = new Gauge({
      name: 'weft_enrol_failures',
      help: 'Local workloads that could not be enrolled',
      registers: [this.registry],
    });
    this.configVersion = new Gauge({
      name: 'weft_config_version',
      help: 'Version of the mesh config the agent serves (bumps when the config changes)',
      registers: [this.registry],
    });
    this.controlPlaneConnected = new Gauge({
      name: 'weft_control_plane_connected',
      help: '1 while the agent has a synced stream to the control plane; 0 while it serves its last good config',
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
      help: 'Connects that the eBPF connect4 program redirected to the node proxy',
      registers: [this.registry],
      collect() {
        if (!datapath) return;
        const now = datapath.redirected();
        if (now > lastRedirected) this.inc(Number(now - lastRedirected));
        lastRedirected = now;
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'weft_process_' });
  }

  /** The identity manager's certificates (agent/identity/secret-manager.ts), for weft_certificate_expiry_seconds. */
  bindCertificateExpiry(source: () => Iterable<[string, Date]>): void {
    this.#certificateExpiries = source;
  }

  refuse(reason: RefusalReason): void {
    this.refused.inc({ reason });
  }
}
