/**
 * A byte stream to one endpoint, the way every outbound path reaches a pod:
 * a pod of this node directly from the node IP; a pod elsewhere through a
 * CONNECT stream on the tunnel pool, as the source workload, to the
 * endpoint's identity (directly, in plaintext, when the proxy has no
 * certificates and so no pool). The L4 connect layer copies over it once;
 * the HTTP client pool keeps it and sends many requests over it.
 */
import type { ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Workload } from '../../model/types.js';
import type { TunnelUse } from '../stack/connection.js';
import type { Endpoint } from '../state/destination.js';
import { connectTunnel } from './connect-tunnel.js';
import { connectUpstream } from './connect-upstream.js';
import { defaultInboundPort } from './hbone.js';
import { workloadIdentity } from './peer-identity.js';
import type { ListenerInputs } from './proxy-inputs.js';

export type TransportInputs = Pick<ListenerInputs, 'config' | 'pool' | 'certificates' | 'nodeAddress'>;

export type EndpointTransport =
  | { kind: 'socket'; socket: Socket; tunnel?: undefined }
  | { kind: 'tunnel'; stream: ClientHttp2Stream; tunnel: TunnelUse };

/** Whether the endpoint is reached through the tunnel (another node, and the proxy has certificates). */
export function viaTunnel(inputs: TransportInputs, endpoint: Endpoint): boolean {
  return endpoint.workload.node !== inputs.config.nodeName && inputs.pool !== undefined;
}

/** `source` may be undefined only for an endpoint of this node (the destination side's own pool). */
export async function openEndpointTransport(inputs: TransportInputs, source: Workload | undefined, endpoint: Endpoint): Promise<EndpointTransport> {
  const { config } = inputs;
  if (!viaTunnel(inputs, endpoint)) {
    return { kind: 'socket', socket: await connectUpstream(endpoint.ip, endpoint.port, config.nodeIp, config.connectTimeoutMs) };
  }
  if (!source) throw new Error(`no source workload to open a tunnel stream to ${endpoint.ip}:${endpoint.port} as`);
  const node = endpoint.workload.node;
  const ip = inputs.nodeAddress?.(node);
  if (ip === undefined) throw new Error(`the address of node '${node}' is not known`);
  const nodePort = config.inboundPort ?? defaultInboundPort;
  const trustDomain = inputs.certificates!.trustDomain;
  const { stream, sessionId } = await connectTunnel(inputs.pool!, {
    source: workloadIdentity(source, trustDomain),
    sourceIp: source.ip,
    destination: workloadIdentity(endpoint.workload, trustDomain),
    node,
    nodeAddress: { ip, port: nodePort },
    target: { ip: endpoint.ip, port: endpoint.port },
    timeoutMs: config.connectTimeoutMs,
  });
  return { kind: 'tunnel', stream, tunnel: { node, addr: `${ip}:${nodePort}`, session: sessionId } };
}
