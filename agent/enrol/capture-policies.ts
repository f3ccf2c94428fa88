/**
 * The `inbound_capture` map: for every pod of this node with the proxy's
 * socket in its namespace, whether new inbound connections go to the proxy
 * (port 0 for the pod, one entry per portLevelMtls port). PERMISSIVE and
 * DISABLE ports are captured, so that authorization sees plaintext callers
 * too; STRICT ports are not (the pod's socket takes the connection and the
 * ingress program drops anything that did not come from the proxy).
 */
import { effectivePeerAuthentication, type EffectiveMtlsMode } from '../../model/peer-authentication-mode.js';
import type { PeerAuthentication, Workload } from '../../model/types.js';
import type { Datapath } from '../datapath/datapath.js';
import type { CaptureKey, CapturePolicy } from '../datapath/map-codec.js';

type Entry = CaptureKey & CapturePolicy;

export type CapturePolicyMap = Pick<Datapath, 'capturePolicies' | 'setCapturePolicy' | 'removeCapturePolicy'>;

const keyOf = (key: CaptureKey) => `${key.ip}:${key.port}`;
const captured = (mode: EffectiveMtlsMode) => mode !== 'STRICT';

export function captureEntries(workload: Workload, policies: readonly PeerAuthentication[], proxyIp: string): Entry[] {
  const effective = effectivePeerAuthentication(workload, policies);
  return [
    { ip: workload.ip, port: 0, capture: captured(effective.mode), proxyIp },
    ...effective.ports.map(({ port, mode }) => ({ ip: workload.ip, port, capture: captured(mode), proxyIp })),
  ];
}

/** Writes before removals, as ingress-policies.ts does, so no connection meets a half-written pod. */
export function syncCapturePolicies(map: CapturePolicyMap, policies: readonly PeerAuthentication[], captured: readonly Workload[], proxyIp: string): void {
  const desired = new Map<string, Entry>();
  for (const workload of captured) for (const entry of captureEntries(workload, policies, proxyIp)) desired.set(keyOf(entry), entry);
  const current = new Map(map.capturePolicies().map((entry) => [keyOf(entry), entry]));
  for (const [key, entry] of desired) {
    const before = current.get(key);
    if (before && before.capture === entry.capture && before.proxyIp === entry.proxyIp) continue;
    map.setCapturePolicy(entry, entry);
  }
  for (const [key, entry] of current) if (!desired.has(key)) map.removeCapturePolicy(entry);
}
