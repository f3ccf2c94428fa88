/**
 * The `cgroup_ingress` map holds, for every pod enrolled on this node, its
 * effective PeerAuthentication mode (port 0) and its portLevelMtls overrides,
 * each with the node proxy's address: the one source a STRICT pod takes new
 * connections from. The proxy connects to pods from the node IP, both for
 * same-node callers and for tunnels it terminates, so that address is the
 * local node's. Entries of pods that left, or of ports no longer named, go.
 */
import {
  effectivePeerAuthentication,
  type EffectiveMtlsMode,
  type EffectivePeerAuthentication,
} from '../../model/peer-authentication-mode.js';
import type { PeerAuthentication, Workload } from '../../model/types.js';
import type { Datapath } from '../datapath/datapath.js';
import { IngressMode, type IngressKey, type IngressPolicy } from '../datapath/map-codec.js';
import type { Logger } from '../../core/log.js';

const modeValue: Record<EffectiveMtlsMode, IngressMode> = {
  PERMISSIVE: IngressMode.permissive,
  STRICT: IngressMode.strict,
  DISABLE: IngressMode.disable,
};

type Entry = IngressKey & IngressPolicy;

/** The part of the datapath this writes; a fake in unit tests. */
export type IngressPolicyMap = Pick<Datapath, 'ingressPolicies' | 'setIngressPolicy' | 'removeIngressPolicy'>;

const keyOf = (key: IngressKey) => `${key.cgroupId}:${key.port}`;

/** The map entries of one enrolled pod: port 0 for the pod, one per portLevelMtls port. */
export function ingressEntries(cgroupId: bigint, effective: EffectivePeerAuthentication, proxyIp: string): Entry[] {
  return [
    { cgroupId, port: 0, mode: modeValue[effective.mode], proxyIp },
    ...effective.ports.map(({ port, mode }) => ({ cgroupId, port, mode: modeValue[mode], proxyIp })),
  ];
}

/**
 * `strictAnyway`: pods whose inbound plaintext the proxy cannot see (inbound capture not set) while
 * an AuthorizationPolicy selects them: fail closed, they take new connections from the proxy only,
 * as in STRICT, rather than let plaintext callers past a policy unchecked.
 */
export function syncIngressPolicies(
  datapath: IngressPolicyMap,
  policies: readonly PeerAuthentication[],
  enrolled: ReadonlyMap<bigint, Workload>,
  proxyIp: string,
  log?: Logger,
  strictAnyway: (workload: Workload) => boolean = () => false,
): { written: number; removed: number } {
  const desired = new Map<string, Entry>();
  const effective = new Map<bigint, EffectivePeerAuthentication>();
  for (const [cgroupId, workload] of enrolled) {
    const configured = effectivePeerAuthentication(workload, policies);
    effective.set(cgroupId, strictAnyway(workload) ? { mode: 'STRICT', ports: [], decidedBy: 'authorization: inbound capture not set, fail closed' } : configured);
    for (const entry of ingressEntries(cgroupId, effective.get(cgroupId)!, proxyIp)) desired.set(keyOf(entry), entry);
  }
  const current = new Map(datapath.ingressPolicies().map((entry) => [keyOf(entry), entry]));

  // Writes before removals: a port override goes only once the pod-wide mode it falls
  // back to is in place, so no new connection is judged by a mix of two configs.
  let written = 0;
  const changed = new Set<bigint>();
  for (const [key, entry] of desired) {
    const before = current.get(key);
    if (before && before.mode === entry.mode && before.proxyIp === entry.proxyIp) continue;
    datapath.setIngressPolicy(entry, entry);
    written++;
    changed.add(entry.cgroupId);
  }
  let removed = 0;
  for (const [key, entry] of current) {
    if (desired.has(key) || !datapath.removeIngressPolicy(entry)) continue;
    removed++;
    if (enrolled.has(entry.cgroupId)) changed.add(entry.cgroupId);
  }
  for (const cgroupId of changed) {
    const workload = enrolled.get(cgroupId)!;
    const { mode, ports, decidedBy } = effective.get(cgroupId)!;
    log?.info({ workload: `${workload.namespace}/${workload.name}`, mode, ports, decidedBy: decidedBy ?? 'mesh default' }, 'inbound mTLS mode set');
  }
  return { written, removed };
}
