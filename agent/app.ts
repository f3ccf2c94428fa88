/**
 * The agent, wired: datapath -> config feed -> updater (enrolment, state, maps) -> proxy,
 * health and admin endpoints. Nothing here decides anything; each part is in its own file.
 */
import { join } from 'node:path';
import type { Workload } from '../model/types.js';
import { NoCgroup2Error, NoConfigSourceError } from './agent-errors.js';
import { AdminServer } from './admin/admin-server.js';
import { cachedControlPlaneStart } from './config-cache/cached-start.js';
import { HealthServer } from './admin/health-server.js';
import { statusSnapshot } from './admin/status-snapshot.js';
import { agentDefaults, type AgentOptions } from './config.js';
import type { ConfigFeed } from './config-feed/config-feed.js';
import { ControlPlaneFeed } from './config-feed/control-plane-feed.js';
import { ConfigUpdater } from './config-updater.js';
import { Datapath } from './datapath/datapath.js';
import { Drain } from './drain.js';
import { Enroller, enrolmentOwner } from './enrol/enroller.js';
import { KubeletCgroups, kubeletLayouts, normalizeKubeletRoot } from './enrol/kubelet-cgroups.js';
import { ControlPlaneChannel } from './identity/control-plane-channel.js';
import { type RunningIdentities, startIdentities } from './identity/start-identities.js';
import { logger, type Logger } from '../core/log.js';
import { AgentMetrics } from './metrics.js';
import { Proxy } from './proxy/proxy.js';
import { ProxyState } from './state/proxy-state.js';
import { SourceResolver } from './state/source-resolver.js';
import { ensureBpffs } from './system/bpffs.js';
import { PortReservation, type PortSpec } from './system/port-reservation.js';
import { raiseOpenFileLimit, type RaisedLimit } from './system/open-files.js';
import { ConnectionLimits, limitsForOpenFiles } from './proxy/connection-limits.js';
import { defaultInboundPort } from './proxy/hbone.js';
import { listenBacklog } from './proxy/proxy-inputs.js';
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
  const openFiles = raiseOpenFileLimit();
  // Before anything on the node changes: a second agent started beside a draining one fails here, cleanly.
  const ports = await PortReservation.bind(agentPorts(options));
  try {
    return await startAgent(options, localFeed, log, ports, connectionLimits(options, openFiles, log));
  } catch (error) {
    ports.release();
    throw error;
  }
}

async function startAgent(
  options: AgentOptions,
  localFeed: ConfigFeed | undefined,
  log: Logger,
  ports: PortReservation,
  limits: ConnectionLimits,
): Promise<RunningAgent> {
  ensureBpffs();
  const cgroupMount = options.cgroupMount ?? cgroup2MountPoint();
  if (!cgroupMount) throw new NoCgroup2Error();

  const datapath = new Datapath(join(options.bpffsRoot, options.node));
  datapath.setProxyAddress(options.nodeIp, options.outboundPort);
  const metrics = new AgentMetrics({ redirected: () => datapath.stats().redirected, mapFill: () => datapath.mapFill() });
  metrics.proxy.bindDescriptors(() => {
    const { descriptorsInUse, descriptors } = limits.status(0);
    return { inUse: descriptorsInUse, budget: descriptors };
  });
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
  // With a control plane, the node's cached config (and trust bundle) lets the agent start at once when the control plane is away.
  const cached = localFeed
    ? undefined
    : cachedControlPlaneStart(controlPlaneFeed(options, metrics, channel), {
        node: options.node,
        nodeIp: options.nodeIp,
        controlPlane: options.controlPlane!,
        stateDir: options.stateDir ?? agentDefaults.stateDir,
        sockets: { metrics: ports.peek('metrics'), admin: ports.peek('admin') },
        metrics,
        log,
      });
  const feed = localFeed ?? cached!.feed;
  const first = await feed.start();
  // Workload certificates come from the control plane's CA; standalone (--config-dir) has none.
  let identities: RunningIdentities | undefined;
  try {
    const cachedTrustBundle = cached?.trustBundle;
    identities = channel ? await startIdentities({ channel, node: options.node, log: logger('identity', { node: options.node }), metrics, ...(cachedTrustBundle ? { cachedTrustBundle } : {}) }) : undefined;
  } catch (error) {
    feed.close();
    datapath.close();
    throw error;
  }

  const updater = new ConfigUpdater(
    { node: options.node, nodeIp: options.nodeIp, datapath, enroller, state, metrics, identities, enrolLog, log, enrolRetryMs: options.enrolRetryMs },
    first,
  );
  feed.on('update', (update) => updater.update(update));
  // An update that arrived while identities started had no listener yet: apply it now.
  const latest = feed.latest();
  if (latest.version !== updater.version) updater.update(latest);
  updater.startEnrolRetry();
  if (cached && identities) cached.persistAppliedConfigs(identities.manager);

  const drain = new Drain();
  const proxyInputs = {
      config: {
        nodeName: options.node,
        nodeIp: options.nodeIp,
        outboundPort: options.outboundPort,
        connectTimeoutMs: options.connectTimeoutMs,
        connectAttempts: 3,
        ...(options.pathNormalization ? { pathNormalization: options.pathNormalization } : {}),
        accessLog: {
          mode: options.accessLog ?? agentDefaults.accessLog,
          sampleRate: options.accessLogSampleRate ?? agentDefaults.accessLogSampleRate,
        },
      },
      state,
      sources: new SourceResolver(state, (workload) => enroller.cgroupDir(workload)),
      originalDestinations: datapath,
      limits,
      metrics,
      log: logger('outbound', { node: options.node }),
      inboundLog: logger('inbound', { node: options.node }),
      // With a control plane: workload certificates, and where other nodes take tunnels.
      ...(identities ? { certificates: identities.manager, nodeAddress: (node: string) => updater.config.nodes.find((n) => n.name === node)?.ip } : {}),
  };
  const proxy = new Proxy({ ...proxyInputs, captureDatapath: datapath }, drain);
  const capture = proxy.capture;
  if (capture) {
    updater.onApplied((mesh, enrolment) => {
      const pods = [...enrolment.byCgroupId.values()].flatMap((workload) => {
        const cgroupDir = enroller.cgroupDir(workload);
        return cgroupDir ? [{ owner: enrolmentOwner(workload), workload, cgroupDir }] : [];
      });
      capture.sync(pods, mesh.peerAuthentications);
    });
  }
  // After every config: what its policies now deny is closed (the first call finds nothing open).
  updater.onApplied(() => {
    const closed = proxy.recheckAuthorization();
    if (closed > 0) log.info({ closed }, 'connections closed: the new policies deny them');
  });
  if (capture) {
    // Fail closed: a pod whose plaintext callers the proxy cannot see, and that a policy selects, takes the proxy's connections only.
    updater.setStrictAnyway((workload) => !capture.captured(workload) && !state.authorizer.forWorkload(workload).none);
    capture.onChange = () => updater.refresh();
  }
  const health = new HealthServer(metrics, options.nodeIp, options.metricsPort, { log, detail: () => cached?.readinessDetail() });
  const startedAt = Date.now();
  const admin = new AdminServer(
    () =>
      statusSnapshot({
        node: options.node,
        nodeIp: options.nodeIp,
        feed,
        updater,
        datapath,
        identities,
        startedAt,
        limits,
        proxy: () => ({ ...proxy.status() }),
        ...(capture ? { capture: { captured: (w: Workload) => capture.captured(w), failure: (owner: string) => capture.failure(owner), selected: (w: Workload) => !state.authorizer.forWorkload(w).none } } : {}),
      }),
    options.adminPort,
  );
  try {
    await proxy.run({ outbound: ports.take('outbound'), inbound: ports.take('inbound') });
    await health.run(ports.take('metrics'));
    await admin.run(ports.take('admin'));
  } catch (error) {
    updater.stop();
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
      outbound: proxy.addresses().outbound,
      pinRoot: datapath.pinRoot,
      enrolled: [...updater.enrolment.byCgroupId.values()].map((w) => `${w.namespace}/${w.name}`),
      notEnrolled: updater.enrolment.failures.map((f) => `${f.workload.namespace}/${f.workload.name}`),
      configVersion: updater.version,
      nodes: updater.config.nodes.map((n) => n.name),
    },
    'agent ready',
  );

  return {
    async stop() {
      updater.stop();
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

/** The proxy's budget from the open-file limit this process got (unlimited counts as the kernel's ceiling). */
function connectionLimits(options: AgentOptions, openFiles: RaisedLimit, log: Logger): ConnectionLimits {
  const limit = openFiles.soft === -1 ? 1_048_576 : openFiles.soft;
  const limits = limitsForOpenFiles(limit, options.maxConnectionsPerPod ? { perSource: options.maxConnectionsPerPod } : {});
  log.info({ openFiles: { soft: openFiles.soft, hard: openFiles.hard, before: openFiles.before }, limits }, 'connection limits');
  return new ConnectionLimits(limits);
}

/** Every port this agent serves on; the tunnel port only with a control plane (standalone has no certificates to serve it with). */
function agentPorts(options: AgentOptions): PortSpec[] {
  return [
    { name: 'outbound', purpose: 'the outbound proxy listener', host: options.nodeIp, port: options.outboundPort, backlog: listenBacklog },
    ...(options.controlPlane
      ? [{ name: 'inbound', purpose: 'the HBONE tunnel listener', host: options.nodeIp, port: defaultInboundPort, backlog: listenBacklog }]
      : []),
    { name: 'metrics', purpose: 'metrics and readiness', host: options.nodeIp, port: options.metricsPort },
    { name: 'admin', purpose: 'the status endpoint', host: '127.0.0.1', port: options.adminPort },
  ];
}

function controlPlaneFeed(options: AgentOptions, metrics: AgentMetrics, channel: ControlPlaneChannel | undefined): ConfigFeed {
  if (!options.controlPlane || !channel) throw new NoConfigSourceError();
  const log = logger('xds', { node: options.node });
  return new ControlPlaneFeed(options.controlPlane, { name: options.node, ip: options.nodeIp }, metrics, log, channel);
}
