/**
 * The agent, wired: datapath -> config -> enrolment -> state -> proxy.
 * `apply` is the one updater: the only code that writes proxy state, the
 * mesh destination map and the attachments.
 */
import { join } from 'node:path';
import type { MeshConfig } from '../model/types.js';
import { AdminServer } from './admin/admin-server.js';
import { HealthServer } from './admin/health-server.js';
import { agentDefaults, type AgentOptions } from './config.js';
import type { ConfigFeed } from './config-feed/config-feed.js';
import { ControlPlaneFeed } from './config-feed/control-plane-feed.js';
import { Datapath } from './datapath/datapath.js';
import { Drain } from './drain.js';
import { reportEnrolPending } from './enrol/enrol-failure.js';
import { cgroupPollMs, startEnrolRetry } from './enrol/enrol-retry.js';
import { Enroller, type EnrolResult } from './enrol/enroller.js';
import { KubeletCgroups, kubeletLayouts, normalizeKubeletRoot } from './enrol/kubelet-cgroups.js';
import { ControlPlaneChannel } from './identity/control-plane-channel.js';
import { localIdentities } from './identity/local-identities.js';
import { type RunningIdentities, startIdentities } from './identity/start-identities.js';
import { syncIngressPolicies } from './enrol/ingress-policies.js';
import { syncMeshDestinations } from './enrol/mesh-destinations.js';
import { WeftError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { AgentMetrics } from './metrics.js';
import { Inbound } from './proxy/inbound.js';
import { Outbound } from './proxy/outbound.js';
import { ProxyState } from './state/proxy-state.js';
import { SourceResolver } from './state/source-resolver.js';
import { ensureBpffs } from './system/bpffs.js';
import { cgroup2MountPoint } from './system/mounts.js';

export interface RunningAgent {
  stop(): Promise<void>;
}

/**
 * With `localFeed`, the agent runs standalone on the config that feed gives (the CLI builds it
 * from --config-dir with the control plane's own pipeline); otherwise it needs --control-plane.
 */
export async function runAgent(options: AgentOptions, localFeed?: ConfigFeed): Promise<RunningAgent> {
  const log = logger('agent', { node: options.node });
  ensureBpffs();
  const cgroupMount = options.cgroupMount ?? cgroup2MountPoint();
  if (!cgroupMount) throw new WeftError('WEFT_ERR_NO_CGROUP2', 'no cgroup v2 mount found (see weft check)');

  const datapath = new Datapath(join(options.bpffsRoot, options.node));
  datapath.setProxyAddress(options.nodeIp, options.outboundPort);
  const metrics = new AgentMetrics({ redirected: () => datapath.stats().redirected, mapFill: () => datapath.mapFill() });
  const state = new ProxyState();
  const enrolLog = logger('enrol', { node: options.node });
  // Kubernetes workloads name their pod (uid, QoS class); its cgroup is where the kubelet put it.
  const kubeletRoot = normalizeKubeletRoot(options.kubeletCgroupRoot ?? agentDefaults.kubeletCgroupRoot);
  const kubelet = new KubeletCgroups(cgroupMount, kubeletLayouts(options.kubeletCgroupDriver ?? agentDefaults.kubeletCgroupDriver, kubeletRoot), enrolLog);
  const enroller = new Enroller(datapath, cgroupMount, enrolLog, kubelet);

  const channel = options.controlPlane
    ? new ControlPlaneChannel({
        address: options.controlPlane,
        ...(options.controlPlaneCa ? { caFile: options.controlPlaneCa } : {}),
        ...(options.controlPlaneServerName ? { serverName: options.controlPlaneServerName } : {}),
        ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
      })
    : undefined;
  const feed = localFeed ?? controlPlaneFeed(options, metrics, channel);
  const first = await feed.start();
  let config = first.config;
  // Workload certificates come from the control plane's CA; standalone (--config-dir) has none.
  let identities: RunningIdentities | undefined;
  try {
    identities = channel ? await startIdentities({ channel, node: options.node, log: logger('identity', { node: options.node }), metrics }) : undefined;
  } catch (error) {
    feed.close();
    datapath.close();
    throw error;
  }

  const apply = (mesh: MeshConfig): EnrolResult => {
    const local = mesh.workloads.filter((workload) => workload.node === options.node);
    const enrolment = enroller.reconcile(local);
    // State first, then the map: connect4 never redirects to a destination the proxy cannot resolve.
    state.update(mesh, enrolment.byCgroupId);
    syncMeshDestinations(datapath, mesh);
    syncIngressPolicies(datapath, mesh.peerAuthentications, enrolment.byCgroupId, options.nodeIp, enrolLog);
    metrics.enrolFailures.set(enrolment.failures.length);
    reportEnrolPending(metrics.enrolPending, enrolment.failures);
    // Certificates for every local meshed identity, before its first connection needs one.
    identities?.manager.retain(localIdentities(mesh, options.node, identities.manager.trustDomain));
    return enrolment;
  };
  let enrolment = apply(config);
  let configVersion = first.version;
  // As xds-metrics.ts: the gauge follows versions that are numbers and is left alone for any other.
  const setVersionGauge = (version: string) => {
    if (/^\d+$/.test(version)) metrics.configVersion.set(Number(version));
  };
  setVersionGauge(configVersion);
  const onUpdate = (update: { config: MeshConfig; version: string }) => {
    config = update.config;
    configVersion = update.version;
    enrolment = apply(config);
    setVersionGauge(configVersion);
    log.info(
      {
        version: configVersion,
        services: config.services.length,
        workloads: config.workloads.length,
        nodes: config.nodes.map((n) => n.name),
        enrolled: enrolment.byCgroupId.size,
      },
      'config applied',
    );
  };
  feed.on('update', onUpdate);
  // An update that arrived while identities started had no listener yet: apply it now.
  const latest = feed.latest();
  if (latest.version !== configVersion) onUpdate(latest);
  const retry = startEnrolRetry({
    retryMs: options.enrolRetryMs,
    pollMs: cgroupPollMs,
    failures: () => enrolment.failures,
    cgroupAppeared: (failures) => enroller.cgroupAppeared(failures),
    retry: () => (enrolment = apply(config)),
  });

  const drain = new Drain();
  const proxyInputs = {
      config: {
        nodeName: options.node,
        nodeIp: options.nodeIp,
        outboundPort: options.outboundPort,
        connectTimeoutMs: options.connectTimeoutMs,
        connectAttempts: 3,
        accessLog: {
          mode: options.accessLog ?? agentDefaults.accessLog,
          sampleRate: options.accessLogSampleRate ?? agentDefaults.accessLogSampleRate,
        },
      },
      state,
      sources: new SourceResolver(state, (workload) => enroller.cgroupDir(workload)),
      originalDestinations: datapath,
      metrics,
      log: logger('outbound', { node: options.node }),
      // With a control plane: workload certificates, and where other nodes take tunnels.
      ...(identities ? { certificates: identities.manager, nodeAddress: (node: string) => config.nodes.find((n) => n.name === node)?.ip } : {}),
  };
  const outbound = new Outbound(proxyInputs, drain);
  const inbound = identities
    ? new Inbound({ ...proxyInputs, certificates: identities.manager, log: logger('inbound', { node: options.node }) }, drain)
    : undefined;
  const health = new HealthServer(metrics, options.nodeIp, options.metricsPort);
  const startedAt = Date.now();
  const admin = new AdminServer(() => {
    const stats = datapath.stats();
    const enrolled = new Set(enrolment.byCgroupId.values());
    const failures = new Map(enrolment.failures.map((f) => [f.workload, f.reason]));
    return {
      node: options.node,
      nodeIp: options.nodeIp,
      configSource: feed.describe(),
      configVersion,
      workloads: config.workloads
        .filter((w) => w.node === options.node)
        .map((w) => ({
          namespace: w.namespace,
          name: w.name,
          ip: w.ip,
          enrolled: enrolled.has(w),
          ...(enrolled.has(w) ? {} : { reason: failures.get(w) ?? (w.mesh ? 'pending' : 'not meshed') }),
        })),
      datapath: { redirected: String(stats.redirected), paired: String(stats.paired) },
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      ...(identities ? { identities: identities.manager.status() } : {}),
      ...(outbound.tunnels ? { tunnels: outbound.tunnels.snapshot() } : {}),
      ...(inbound ? { inboundSessions: inbound.sessions() } : {}),
    };
  }, options.adminPort);
  try {
    await outbound.run();
    await inbound?.run();
    await health.run();
    await admin.run();
  } catch (error) {
    clearInterval(retry);
    feed.close();
    identities?.close();
    health.close();
    admin.close();
    await drain.drain(0);
    datapath.close();
    throw error;
  }
  health.ready = true;
  log.info(
    {
      outbound: outbound.address(),
      pinRoot: datapath.pinRoot,
      enrolled: [...enrolment.byCgroupId.values()].map((w) => `${w.namespace}/${w.name}`),
      notEnrolled: enrolment.failures.map((f) => `${f.workload.namespace}/${f.workload.name}`),
      configVersion,
      nodes: config.nodes.map((n) => n.name),
    },
    'agent ready',
  );

  return {
    async stop() {
      clearInterval(retry);
      feed.close();
      identities?.close();
      health.ready = false;
      const { forced } = await drain.drain(options.drainGraceMs);
      health.close();
      admin.close();
      // Pins stay: redirection keeps working, and fails closed, until the next agent takes over.
      datapath.close();
      log.info({ forced }, 'agent stopped');
    },
  };
}

function controlPlaneFeed(options: AgentOptions, metrics: AgentMetrics, channel: ControlPlaneChannel | undefined): ConfigFeed {
  if (!options.controlPlane || !channel) throw new WeftError('WEFT_ERR_NO_CONFIG_SOURCE', 'the agent needs --control-plane or --config-dir');
  const log = logger('xds', { node: options.node });
  return new ControlPlaneFeed(options.controlPlane, { name: options.node, ip: options.nodeIp }, metrics, log, channel);
}
