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
import { describeDestination } from '../state/destination.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function connect(inputs: TransportInputs): Layer<OutboundConnection> {
  return (next) => async (connection) => {
    const candidates = filled(connection.candidates, 'candidates');
    const source = filled(connection.source, 'source');
    const errors: string[] = [];
    for (const endpoint of candidates.slice(0, inputs.config.connectAttempts)) {
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
        errors.push(`${endpoint.ip}:${endpoint.port}: ${(error as Error).message}`);
      }
    }
    if (!connection.upstream) {
      throw new ConnectionRefusedError('upstream_connect_failed', `${describeDestination(filled(connection.destination, 'destination'))}: ${errors.join('; ')}`);
    }
    return next(connection);
  };
}
