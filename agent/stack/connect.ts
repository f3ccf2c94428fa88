/**
 * Connect to the first endpoint that answers, at most `connectAttempts` of
 * them: a pod of this node directly from the node IP; a pod elsewhere
 * through a CONNECT stream on the tunnel pool, as the source workload, to the
 * destination's identity (directly, in plaintext, when the proxy has no
 * certificates and so no pool).
 */
import { openEndpointTransport, type TransportInputs } from '../proxy/endpoint-transport.js';
import { http2StreamEnd, socketEnd } from '../proxy/copy-duplex.js';
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import { TunnelRefusedError } from '../proxy/tunnel-errors.js';
import type { Endpoint } from '../state/destination.js';
import type { Workload } from '../../model/types.js';
import { authorize, describeDecision, localSource, type AuthorizationInputs } from './authorization.js';
import { describeDestination } from '../state/destination.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

type ConnectInputs = TransportInputs & AuthorizationInputs;

/** L4: the connection's bytes are opaque here, so policies are applied under Istio's TCP rule. */
function authorizeLocalConnection(inputs: ConnectInputs, connection: OutboundConnection, source: Workload, endpoint: Endpoint): void {
  const request = { source: localSource(source, inputs.certificates), destination: { ip: endpoint.ip, port: endpoint.port } };
  const decision = authorize(inputs, endpoint.workload, request, 'local');
  if (!decision.allowed) throw new ConnectionRefusedError('authorization_denied', `${endpoint.ip}:${endpoint.port}: ${describeDecision(decision)}`);
  connection.authorization = { request, path: 'local' };
}

export function connect(inputs: ConnectInputs): Layer<OutboundConnection> {
  return (next) => async (connection) => {
    const candidates = filled(connection.candidates, 'candidates');
    const source = filled(connection.source, 'source');
    const errors: string[] = [];
    for (const endpoint of candidates.slice(0, inputs.config.connectAttempts)) {
      // A pod of this node: its policies are ours to enforce, before it is dialled.
      if (endpoint.workload.node === inputs.config.nodeName) authorizeLocalConnection(inputs, connection, source, endpoint);
      try {
        const transport = await openEndpointTransport(inputs, source, endpoint);
        if (transport.kind === 'socket') {
          connection.upstream = socketEnd(transport.socket);
        } else {
          connection.upstream = http2StreamEnd(transport.stream);
          connection.tunnel = transport.tunnel;
        }
        connection.endpoint = endpoint;
        break;
      } catch (error) {
        // The destination's proxy denied it: another endpoint of the Service would say the same.
        if (error instanceof TunnelRefusedError && error.status === 403) {
          throw new ConnectionRefusedError('authorization_denied', `${endpoint.ip}:${endpoint.port}: denied by the destination's AuthorizationPolicy`);
        }
        errors.push(`${endpoint.ip}:${endpoint.port}: ${(error as Error).message}`);
      }
    }
    if (!connection.upstream) {
      throw new ConnectionRefusedError('upstream_connect_failed', `${describeDestination(filled(connection.destination, 'destination'))}: ${errors.join('; ')}`);
    }
    return next(connection);
  };
}
