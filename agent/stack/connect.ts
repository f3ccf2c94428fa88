/**
 * Connect to the first endpoint that answers, at most `connectAttempts` of
 * them: a pod of this node directly from the node IP; a pod elsewhere
 * through a CONNECT stream on the tunnel pool, as the source workload, to the
 * destination's identity (directly, in plaintext, when the proxy has no
 * certificates and so no pool).
 */
import type { Workload } from '../../model/types.js';
import { connectTunnel } from '../proxy/connect-tunnel.js';
import { connectUpstream } from '../proxy/connect-upstream.js';
import { http2StreamEnd, socketEnd, type CopyEnd } from '../proxy/copy-duplex.js';
import { defaultInboundPort } from '../proxy/hbone.js';
import { workloadIdentity } from '../proxy/peer-identity.js';
import type { ListenerInputs } from '../proxy/proxy-inputs.js';
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import { describeDestination, type Endpoint } from '../state/destination.js';
import type { OutboundConnection, TunnelUse } from './connection.js';
import { filled, type Layer } from './stack.js';

type ConnectInputs = Pick<ListenerInputs, 'config' | 'pool' | 'certificates' | 'nodeAddress'>;

export function connect(inputs: ConnectInputs): Layer<OutboundConnection> {
  return (next) => async (connection) => {
    const candidates = filled(connection.candidates, 'candidates');
    const source = filled(connection.source, 'source');
    const { nodeIp, nodeName, connectTimeoutMs, connectAttempts } = inputs.config;
    const errors: string[] = [];
    for (const endpoint of candidates.slice(0, connectAttempts)) {
      try {
        if (endpoint.workload.node === nodeName || !inputs.pool) {
          connection.upstream = socketEnd(await connectUpstream(endpoint.ip, endpoint.port, nodeIp, connectTimeoutMs));
        } else {
          const { end, tunnel } = await throughTunnel(inputs, source, endpoint);
          connection.upstream = end;
          connection.tunnel = tunnel;
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

async function throughTunnel(inputs: ConnectInputs, source: Workload, endpoint: Endpoint): Promise<{ end: CopyEnd; tunnel: TunnelUse }> {
  const { certificates, nodeAddress, config, pool } = inputs;
  const node = endpoint.workload.node;
  const ip = nodeAddress?.(node);
  if (ip === undefined) throw new Error(`the address of node '${node}' is not known`);
  const nodePort = config.inboundPort ?? defaultInboundPort;
  const trustDomain = certificates!.trustDomain;
  const { stream, sessionId } = await connectTunnel(pool!, {
    source: workloadIdentity(source, trustDomain),
    sourceIp: source.ip,
    destination: workloadIdentity(endpoint.workload, trustDomain),
    node,
    nodeAddress: { ip, port: nodePort },
    target: { ip: endpoint.ip, port: endpoint.port },
    timeoutMs: config.connectTimeoutMs,
  });
  return { end: http2StreamEnd(stream), tunnel: { node, addr: `${ip}:${nodePort}`, session: sessionId } };
}
