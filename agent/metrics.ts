/**
 * The agent's one prom-client registry, made of each domain's families
 * (agent/metrics/*.ts; Istio's in agent/telemetry/istio-metrics.ts). The
 * fields other parts set directly (enrolment, config version, control plane)
 * stay here by their old names.
 */
import { Registry } from 'prom-client';
import { ControlPlaneMetrics } from './metrics/control-plane-metrics.js';
import { registerDatapathMetrics, type DatapathCounters } from './metrics/datapath-metrics.js';
import { EnrolMetrics } from './metrics/enrol-metrics.js';
import { IdentityMetrics } from './metrics/identity-metrics.js';
import { registerProcessMetrics } from './metrics/process-metrics.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { TunnelMetrics } from './metrics/tunnel-metrics.js';
import { IstioMetrics } from './telemetry/istio-metrics.js';

export interface AgentMetricsOptions {
  maxLabelSets?: number;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly istio: IstioMetrics;
  readonly proxy: ProxyMetrics;
  readonly tunnel: TunnelMetrics;
  readonly enrolFailures: EnrolMetrics['failures'];
  readonly enrolPending: EnrolMetrics['pending'];
  readonly configVersion: ControlPlaneMetrics['configVersion'];
  readonly controlPlaneConnected: ControlPlaneMetrics['connected'];
  readonly configStale: ControlPlaneMetrics['stale'];
  readonly certificateExpiry: IdentityMetrics['certificateExpiry'];
  readonly #identity: IdentityMetrics;

  constructor(datapath?: DatapathCounters, options: AgentMetricsOptions = {}) {
    this.istio = new IstioMetrics(this.registry, options.maxLabelSets);
    this.proxy = new ProxyMetrics(this.registry);
    const enrol = new EnrolMetrics(this.registry);
    this.enrolFailures = enrol.failures;
    this.enrolPending = enrol.pending;
    const controlPlane = new ControlPlaneMetrics(this.registry);
    this.configVersion = controlPlane.configVersion;
    this.controlPlaneConnected = controlPlane.connected;
    this.configStale = controlPlane.stale;
    this.tunnel = new TunnelMetrics(this.registry);
    this.#identity = new IdentityMetrics(this.registry);
    this.certificateExpiry = this.#identity.certificateExpiry;
    registerDatapathMetrics(this.registry, datapath);
    registerProcessMetrics(this.registry);
  }

  /** The identity manager's certificates (agent/identity/secret-manager.ts), for weft_certificate_expiry_seconds. */
  bindCertificateExpiry(source: () => Iterable<[string, Date]>): void {
    this.#identity.bind(source);
  }
}
