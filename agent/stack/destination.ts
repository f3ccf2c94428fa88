/** What the original destination means in the mesh: a service VIP and port, or a meshed pod. */
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import type { ProxyState } from '../state/proxy-state.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function destination(inputs: { state: ProxyState }): Layer<OutboundConnection> {
  return (next) => (connection) => {
    const { ip, port } = filled(connection.original, 'original');
    const destination = inputs.state.resolve(ip, port);
    if (!destination) throw new ConnectionRefusedError('unknown_destination', `${ip}:${port} is not a mesh destination`);
    connection.destination = destination;
    return next(connection);
  };
}
