/** Who dialled: the enrolled workload of the cgroup connect4 recorded, never the source address. */
import type { SourceLookup } from '../proxy/proxy-inputs.js';
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function sourceWorkload(inputs: { sources: SourceLookup }): Layer<OutboundConnection> {
  return (next) => (connection) => {
    const { cgroupId } = filled(connection.original, 'original');
    const source = inputs.sources.resolve(cgroupId);
    if (!source) {
      const { ip, port } = connection.peer;
      throw new ConnectionRefusedError('unknown_source_workload', `cgroup ${cgroupId} of ${ip}:${port} belongs to no enrolled workload`);
    }
    connection.source = source;
    return next(connection);
  };
}
