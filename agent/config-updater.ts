/**
 * The one updater (ztunnel's ProxyStateUpdater): the only code that writes proxy state, the mesh
 * destination map, the ingress policies and the attachments, for every config the feed delivers
 * and for every enrolment retry.
 */
import type { Logger } from '../core/log.js';
import { notEnforcedObjects } from '../model/not-enforced.js';
import type { MeshConfig, Workload } from '../model/types.js';
import type { ConfigUpdate } from './config-feed/config-feed.js';
import type { Datapath } from './datapath/datapath.js';
import { reportEnrolPending } from './enrol/enrol-failure.js';
import { cgroupPollMs, startEnrolRetry } from './enrol/enrol-retry.js';
import type { Enroller, EnrolResult } from './enrol/enroller.js';
import { syncIngressPolicies } from './enrol/ingress-policies.js';
import { syncMeshDestinations } from './enrol/mesh-destinations.js';
import { localIdentities } from './identity/local-identities.js';
import type { RunningIdentities } from './identity/start-identities.js';
import type { AgentMetrics } from './metrics.js';
import type { ProxyState } from './state/proxy-state.js';

export interface ConfigUpdaterInputs {
  node: string;
  nodeIp: string;
  datapath: Datapath;
  enroller: Enroller;
  state: ProxyState;
  metrics: AgentMetrics;
  /** Present with a control plane: certificates are prefetched for every local meshed identity. */
  identities: RunningIdentities | undefined;
  enrolLog: Logger;
  log: Logger;
  enrolRetryMs: number;
}

export class ConfigUpdater {
  #config: MeshConfig;
  #version: string;
  #enrolment: EnrolResult;
  #retry: NodeJS.Timeout | undefined;
  #notEnforcedSaid = '';
  readonly #applied: Array<(mesh: MeshConfig, enrolment: EnrolResult) => void> = [];
  #strictAnyway: (workload: Workload) => boolean = () => false;

  constructor(private readonly inputs: ConfigUpdaterInputs, first: ConfigUpdate) {
    this.#config = first.config;
    this.#version = first.version;
    this.#enrolment = this.#apply(first.config);
    this.#setVersionGauge(first.version);
    this.#warnNotEnforced();
  }

  get config(): MeshConfig {
    return this.#config;
  }

  get version(): string {
    return this.#version;
  }

  get enrolment(): EnrolResult {
    return this.#enrolment;
  }

  /** A config from the feed: applied, counted and logged. */
  update(update: ConfigUpdate): void {
    this.#config = update.config;
    this.#version = update.version;
    this.#enrolment = this.#apply(update.config);
    this.#setVersionGauge(update.version);
    this.inputs.log.info(
      {
        version: this.#version,
        services: this.#config.services.length,
        workloads: this.#config.workloads.length,
        nodes: this.#config.nodes.map((n) => n.name),
        enrolled: this.#enrolment.byCgroupId.size,
      },
      'config applied',
    );
    this.#warnNotEnforced();
  }

  /** Each listener is called after every apply (a config, an enrolment retry), and once now: what follows enrolment outside the updater (inbound capture). */
  onApplied(listener: (mesh: MeshConfig, enrolment: EnrolResult) => void): void {
    this.#applied.push(listener);
    listener(this.#config, this.#enrolment);
  }

  /** Which enrolled pods take connections from the proxy only whatever their mTLS mode (fail closed: see syncIngressPolicies). */
  setStrictAnyway(decide: (workload: Workload) => boolean): void {
    this.#strictAnyway = decide;
    this.refresh();
  }

  /** The current config applied again: something it is combined with changed (a pod's inbound capture). */
  refresh(): void {
    this.#enrolment = this.#apply(this.#config);
  }

  /** Once per change of the list: objects this proxy receives but does not act on. */
  #warnNotEnforced(): void {
    const objects = notEnforcedObjects(this.#config);
    const said = objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`).join(',');
    if (said === this.#notEnforcedSaid) return;
    this.#notEnforcedSaid = said;
    if (objects.length === 0) return;
    this.inputs.log.warn(
      { notEnforced: objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`), why: Object.fromEntries(objects.map((o) => [o.kind, o.why])) },
      'config holds objects this proxy accepts but does not enforce yet',
    );
  }

  /** Retries enrolment while a local meshed workload is not enrolled (enrol-retry.ts says when). */
  startEnrolRetry(): void {
    this.#retry = startEnrolRetry({
      retryMs: this.inputs.enrolRetryMs,
      pollMs: cgroupPollMs,
      failures: () => this.#enrolment.failures,
      cgroupAppeared: (failures) => this.inputs.enroller.cgroupAppeared(failures),
      retry: () => (this.#enrolment = this.#apply(this.#config)),
    });
  }

  stop(): void {
    clearInterval(this.#retry);
  }

  #apply(mesh: MeshConfig): EnrolResult {
    const { node, nodeIp, datapath, enroller, state, metrics, identities, enrolLog } = this.inputs;
    const local = mesh.workloads.filter((workload) => workload.node === node);
    const enrolment = enroller.reconcile(local);
    // State first, then the map: connect4 never redirects to a destination the proxy cannot resolve.
    state.update(mesh, enrolment.byCgroupId);
    syncMeshDestinations(datapath, mesh);
    // Capture (and the re-check of open connections) before the ingress map: a pod the capture could not
    // reach is written STRICT below when a policy selects it.
    for (const listener of this.#applied) listener(mesh, enrolment);
    syncIngressPolicies(datapath, mesh.peerAuthentications, enrolment.byCgroupId, nodeIp, enrolLog, (workload) => this.#strictAnyway(workload));
    metrics.enrolFailures.set(enrolment.failures.length);
    reportEnrolPending(metrics.enrolPending, enrolment.failures);
    // Certificates for every local meshed identity, before its first connection needs one.
    identities?.manager.retain(localIdentities(mesh, node, identities.manager.trustDomain));
    return enrolment;
  }

  /** As xds-metrics.ts: the gauge follows versions that are numbers and is left alone for any other. */
  #setVersionGauge(version: string): void {
    if (/^\d+$/.test(version)) this.inputs.metrics.configVersion.set(Number(version));
  }
}
