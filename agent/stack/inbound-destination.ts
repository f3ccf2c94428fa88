/**
 * The CONNECT's pod must be a meshed workload of this node, and of the
 * identity this session's server certificate proved: the client verified
 * that identity, so a stream for another one must open its own session (421).
 */
import type { CertificateProvider } from '../../core/spiffe-id.js';
import { spiffeId } from '../../core/spiffe-id.js';
import { sameIdentity, workloadIdentity } from '../proxy/peer-identity.js';
import type { ProxyConfig } from '../proxy/proxy-inputs.js';
import { InboundRefusedError } from '../proxy/tunnel-errors.js';
import type { ProxyState } from '../state/proxy-state.js';
import type { InboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function inboundDestination(inputs: { state: ProxyState; config: ProxyConfig; certificates: Pick<CertificateProvider, 'trustDomain'> }): Layer<InboundConnection> {
  return (next) => (connection) => {
    const target = filled(connection.target, 'target');
    const { nodeName } = inputs.config;
    const workload = inputs.state.localWorkload(nodeName, target.ip);
    if (!workload) throw new InboundRefusedError('tunnel_destination_not_local', 404, `${target.ip} is not a meshed workload on node ${nodeName}`);
    const identity = workloadIdentity(workload, inputs.certificates.trustDomain);
    const served = connection.peer.serverIdentity;
    if (!sameIdentity(identity, served)) {
      throw new InboundRefusedError('tunnel_misdirected', 421, `${connection.authority} is ${spiffeId(identity)}, but this session serves ${spiffeId(served)}`);
    }
    connection.destination = { workload, identity, port: target.port };
    return next(connection);
  };
}
