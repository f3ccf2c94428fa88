/**
 * Dial the local pod from the node IP, then answer the CONNECT with 200:
 * the client learns its stream is connected only once it is, and only after
 * every check above this layer passed.
 */
import { connectUpstream } from '../proxy/connect-upstream.js';
import { socketEnd } from '../proxy/copy-duplex.js';
import type { ProxyConfig } from '../proxy/proxy-inputs.js';
import { InboundRefusedError } from '../proxy/tunnel-errors.js';
import type { InboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function connectPod(inputs: { config: ProxyConfig }): Layer<InboundConnection> {
  return (next) => async (connection) => {
    const { workload, port } = filled(connection.destination, 'destination');
    const { nodeIp, connectTimeoutMs } = inputs.config;
    let upstream;
    try {
      upstream = await connectUpstream(workload.ip, port, nodeIp, connectTimeoutMs);
    } catch (error) {
      throw new InboundRefusedError('tunnel_upstream_connect_failed', 503, `${connection.authority}: ${(error as Error).message}`);
    }
    const { stream } = connection;
    if (stream.destroyed) {
      upstream.destroy(); // the peer gave up while we connected
      return;
    }
    stream.respond({ ':status': 200 });
    connection.upstream = socketEnd(upstream);
    return next(connection);
  };
}
