/**
 * The source workload, for telemetry only: the pod IP the peer claims
 * (Forwarded: for=) counts when our state gives it a workload of the identity
 * the peer's certificate proved; otherwise the source stays unnamed.
 */
import { parseForwardedFor } from '../proxy/hbone.js';
import { sameIdentity, workloadIdentity } from '../proxy/peer-identity.js';
import type { ProxyState } from '../state/proxy-state.js';
import { header, type InboundConnection } from './connection.js';
import type { Layer } from './stack.js';

export function inboundSource(inputs: { state: ProxyState }): Layer<InboundConnection> {
  return (next) => (connection) => {
    const ip = parseForwardedFor(header(connection.headers, 'forwarded'));
    const claimed = ip === undefined ? undefined : inputs.state.resolve(ip, 0);
    const peer = connection.peer.identity;
    if (claimed?.kind === 'workload' && sameIdentity(workloadIdentity(claimed.workload, peer.trustDomain), peer)) {
      connection.source = claimed.workload;
    }
    return next(connection);
  };
}
