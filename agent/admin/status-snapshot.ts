/** What `weft status` shows: one snapshot of the agent, taken when the admin endpoint is asked. */
import { notEnforcedObjects } from '../../model/not-enforced.js';
import type { ConfigFeed } from '../config-feed/config-feed.js';
import type { ConfigUpdater } from '../config-updater.js';
import type { Datapath } from '../datapath/datapath.js';
import type { RunningIdentities } from '../identity/start-identities.js';
import type { ConnectionLimits } from '../proxy/connection-limits.js';
import type { AgentStatus } from './admin-server.js';

export interface StatusInputs {
  node: string;
  nodeIp: string;
  feed: ConfigFeed;
  updater: ConfigUpdater;
  datapath: Datapath;
  identities: RunningIdentities | undefined;
  /** The proxy's own part (tunnel pool, inbound sessions); empty when it has none. */
  proxy: () => Record<string, unknown>;
  startedAt: number;
  limits?: ConnectionLimits;
}

export function statusSnapshot(inputs: StatusInputs): AgentStatus {
  const { updater } = inputs;
  const stats = inputs.datapath.stats();
  const enrolled = new Set(updater.enrolment.byCgroupId.values());
  const failures = new Map(updater.enrolment.failures.map((f) => [f.workload, f.reason]));
  return {
    node: inputs.node,
    nodeIp: inputs.nodeIp,
    configSource: inputs.feed.describe(),
    configVersion: updater.version,
    workloads: updater.config.workloads
      .filter((w) => w.node === inputs.node)
      .map((w) => ({
        namespace: w.namespace,
        name: w.name,
        ip: w.ip,
        enrolled: enrolled.has(w),
        ...(enrolled.has(w) ? {} : { reason: failures.get(w) ?? (w.mesh ? 'pending' : 'not meshed') }),
      })),
    datapath: { redirected: String(stats.redirected), paired: String(stats.paired) },
    uptimeSeconds: Math.round((Date.now() - inputs.startedAt) / 1000),
    notEnforced: notEnforcedObjects(updater.config),
    ...(inputs.identities ? { identities: inputs.identities.manager.status() } : {}),
    ...(inputs.limits ? { connectionLimits: inputs.limits.status() } : {}),
    ...inputs.proxy(),
  };
}
