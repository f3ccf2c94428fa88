/** Where the app dialled: the datapath's record for this redirected socket pair (never the socket's own address, which is ours). */
import { stripMapped } from '../datapath/map-codec.js';
import type { OriginalDestinationSource } from '../proxy/proxy-inputs.js';
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import type { OutboundConnection } from './connection.js';
import type { Layer } from './stack.js';

export function originalDestination(inputs: { originalDestinations: OriginalDestinationSource }): Layer<OutboundConnection> {
  return (next) => (connection) => {
    const { peer, socket } = connection;
    const original = inputs.originalDestinations.takeOriginalDestination({
      srcIp: peer.ip,
      srcPort: peer.port,
      dstIp: stripMapped(socket.localAddress ?? ''),
      dstPort: socket.localPort ?? 0,
    });
    if (!original) throw new ConnectionRefusedError('no_original_destination', `no redirect record for ${peer.ip}:${peer.port}`);
    connection.original = original;
    return next(connection);
  };
}
