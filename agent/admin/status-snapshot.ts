/** What `weft status` shows: one snapshot of the agent, taken when the admin endpoint is asked. */
import { notEnforcedObjects } from '../../model/not-enforced.js';
import type { ConfigFeed } from '../config-feed/config-feed.js';
import type { ConfigUpdater } from '../config-updater.js';
import type { Datapath } from '../datapath/datapath.js';
import type { RunningIdentities } from '../identity/start-identities.js';
import type { ConnectionLimits } from '../proxy/connection-limits.js';
import type { Workload } from '../../model/types.js';
import { enrolmentOwner } from '../enrol/enroller.js';
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
  /** the inbound capture and whether a policy selects a workload; absent: no capture (nothing said about plaintext callers) */
  capture?: { captured(workload: Workload): boolean; failure(owner: string): string | undefined; selected(workload: Workload): boolean };
}

/** How plaintext callers from outside the mesh reach an enrolled pod: the operator's view of inbound-capture.ts. */
function inboundOf(capture: NonNullable<StatusInputs['capture']>, workload: Workload): string {
  if (capture.captured(workload)) return 'captured';
  const why = capture.failure(enrolmentOwner(workload)) ?? 'capture not set yet';
  return capture.selected(workload) ? `refused (fail closed: ${why})` : `direct (no policy selects it; ${why})`;
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
        ...(enrolled.has(w) && inputs.capture ? { inbound: inboundOf(inputs.capture, w) } : {}),
      })),
    datapath: { redirected: String(stats.redirected), paired: String(stats.paired) },
    uptimeSeconds: Math.round((Date.now() - inputs.startedAt) / 1000),
    notEnforced: notEnforcedObjects(updater.config),
    ...(inputs.identities ? { identities: inputs.identities.manager.status() } : {}),
    ...(inputs.limits ? { connectionLimits: inputs.limits.status() } : {}),
    ...inputs.proxy(),
  };
}
