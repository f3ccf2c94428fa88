/**
 * Authorization of a CONNECT stream from a peer node, before the pod is
 * dialled (ztunnel's `assert_rbac` in serve_connect): the caller is the
 * identity its certificate proved, at the pod IP it claims when that pod is
 * of that identity (inbound-source.ts), else at its node's address. A denial
 * answers the CONNECT 403: the source proxy resets its client (L4) or
 * answers 403 (HTTP). Where a policy of the workload reads HTTP, the
 * decision is left to the requests (inspect-inbound.ts).
 */
import { InboundRefusedError } from '../proxy/tunnel-errors.js';
import { authenticatedSource, authorize, describeDecision, type AuthorizationInputs } from './authorization.js';
import type { InboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function authorizeInbound(inputs: AuthorizationInputs): Layer<InboundConnection> {
  return (next) => (connection) => {
    const { workload, port } = filled(connection.destination, 'destination');
    const sourceIp = connection.source?.ip ?? nodeAddress(connection.peer.address);
    const source = authenticatedSource(connection.peer.identity, sourceIp);
    if (inputs.state.authorizer.forWorkload(workload).needsHttp && !inputs.state.opaquePodPort(workload.ip, port)) {
      connection.caller = source; // decided per request, or on the bytes if they are not HTTP (inspect-inbound.ts)
      return next(connection);
    }
    const request = { source, destination: { ip: workload.ip, port } };
    const decision = authorize(inputs, workload, request, 'tunnel');
    connection.authorization = { request, path: 'tunnel' };
    if (!decision.allowed) {
      throw new InboundRefusedError('authorization_denied', 403, `${connection.authority}: ${describeDecision(decision)}`);
    }
    return next(connection);
  };
}

/** 'ip:port' of the peer node's proxy -> ip. */
function nodeAddress(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}
