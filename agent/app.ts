/**
 * The agent, wired: datapath -> config -> enrolment -> state -> proxy.
 * `apply` is the one updater: the only code that writes proxy state, the
 * mesh destination map and the attachments.
 */
import { join } from 'node:path';
import type { MeshConfig } from '../control-plane/model/types.js';
import { formatIssue } from '../control-plane/model/issues.js';
import { loadConfigDir } from '../control-plane/sources/file-source.js';
import { HealthServer } from './admin/health-server.js';
import type { AgentOptions } from './config.js';
import { Datapath } from './datapath/datapath.js';
import { Drain } from './drain.js';
import { Enroller, type EnrolResult } from './enrol/enroller.js';
import { syncMeshDestinations } from './enrol/mesh-destinations.js';
import { WeftError } from './errors.js';
import { logger } from './log.js';
import { AgentMetrics } from './metrics.js';
import { Outbound } from './proxy/outbound.js';
import { ProxyState } from './state/proxy-state.js';
import { SourceResolver } from './state/source-resolver.js';
import { ensureBpffs } from './system/bpffs.js';
import { cgroup2MountPoint } from './system/mounts.js';

export interface RunningAgent {
  stop(): Promise<void>;
}

export async function runAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = logger('agent', { node: options.node });
  ensureBpffs();
  const cgroupMount = options.cgroupMount ?? cgroup2MountPoint();
  if (!cgroupMount) throw new WeftError('WEFT_ERR_NO_CGROUP2', 'no cgroup v2 mount found (see weft check)');

  const datapath = new Datapath(join(options.bpffsRoot, options.node));
  datapath.setProxyAddress(options.nodeIp, options.outboundPort);
  const metrics = new AgentMetrics({ redirected: () => datapath.stats().redirected });
  const state = new ProxyState();
  const enroller = new Enroller(datapath, cgroupMount, logger('enrol', { node: options.node }));

  const { config, issues } = await loadConfigDir(options.configDir);
  for (const issue of issues) log[issue.severity === 'error' ? 'error' : 'warn']({ issue }, formatIssue(issue));

  const apply = (mesh: MeshConfig): EnrolResult => {
    const local = mesh.workloads.filter((workload) => workload.node === options.node);
    const enrolment = enroller.reconcile(local);
    // State first, then the map: connect4 never redirects to a destination the proxy cannot resolve.
    state.update(mesh, enrolment.byCgroupId);
    syncMeshDestinations(datapath, mesh);
    metrics.enrolFailures.set(enrolment.failures.length);
    return enrolment;
  };
  let enrolment = apply(config);
  const configVersion = 1; // the directory is read once; the control-plane issue streams versions
  metrics.configVersion.set(configVersion);
  const retry = setInterval(() => {
    if (enrolment.failures.length > 0) enrolment = apply(config);
  }, options.enrolRetryMs);

  const drain = new Drain();
  const outbound = new Outbound(
    {
      config: {
        nodeName: options.node,
        nodeIp: options.nodeIp,
        outboundPort: options.outboundPort,
        connectTimeoutMs: options.connectTimeoutMs,
        connectAttempts: 3,
      },
      state,
      sources: new SourceResolver(state, cgroupMount),
      originalDestinations: datapath,
      metrics,
      log: logger('outbound', { node: options.node }),
    },
    drain,
  );
  const health = new HealthServer(metrics, options.nodeIp, options.metricsPort);
  try {
    await outbound.run();
    await health.run();
  } catch (error) {
    clearInterval(retry);
    health.close();
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
    },
    'agent ready',
  );

  return {
    async stop() {
      clearInterval(retry);
      health.ready = false;
      const { forced } = await drain.drain(options.drainGraceMs);
      health.close();
      // Pins stay: redirection keeps working, and fails closed, until the next agent takes over.
      datapath.close();
      log.info({ forced }, 'agent stopped');
    },
  };
}
