/**
 * The client side of the tunnel: one HTTP/2 CONNECT stream to the
 * destination node's proxy, on a pooled mTLS session that presents the
 * source workload's certificate and has verified the server as the
 * destination workload's identity. Resolves once the peer answered 200, i.e.
 * once it has connected to the pod; from then on the stream is the pod's
 * byte stream.
 */
import type { ClientHttp2Stream } from 'node:http2';
import type { WorkloadIdentity } from '../../core/spiffe-id.js';
import { connectAuthority, forwardedFor, passThroughHeaders, tunnelServerName, type TraceHeaders } from './hbone.js';
import type { PoolKey, TunnelPool } from './pool.js';
import { TunnelConnectError, TunnelRefusedError } from './tunnel-errors.js';

export interface TunnelRequest {
  source: WorkloadIdentity;
  /** the source pod's IP, sent as `Forwarded: for=` for the peer's telemetry */
  sourceIp?: string;
  destination: WorkloadIdentity;
  node: string;
  /** the destination node's tunnel listener */
  nodeAddress: { ip: string; port: number };
  /** the destination pod */
  target: { ip: string; port: number };
  trace?: TraceHeaders;
  timeoutMs: number;
}

export interface Tunnel {
  stream: ClientHttp2Stream;
  sessionId: number;
}

export async function connectTunnel(pool: TunnelPool, request: TunnelRequest): Promise<Tunnel> {
  const key: PoolKey = {
    source: request.source,
    destination: request.destination,
    node: request.node,
    address: request.nodeAddress,
  };
  const lease = await pool.acquire(key, tunnelServerName(request.target.ip));
  const authority = connectAuthority(request.target.ip, request.target.port);
  const headers: Record<string, string> = { ':method': 'CONNECT', ':authority': authority };
  if (request.sourceIp) headers['forwarded'] = forwardedFor(request.sourceIp);
  for (const name of passThroughHeaders) {
    const value = request.trace?.[name];
    if (value !== undefined) headers[name] = value;
  }
  let stream: ClientHttp2Stream;
  try {
    stream = lease.session.request(headers, { endStream: false });
  } catch (error) {
    lease.release();
    throw new TunnelConnectError(authority, `CONNECT ${authority} on tunnel session ${lease.sessionId}: ${(error as Error).message}`, { cause: error });
  }
  stream.once('close', lease.release);
  return new Promise<Tunnel>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      stream.off('response', onResponse);
      stream.on('error', () => undefined); // it is failed already; a late error must not crash the agent
      if (!stream.destroyed) stream.destroy();
      reject(error);
    };
    const onError = (error: Error) =>
      fail(new TunnelConnectError(authority, `CONNECT ${authority} on tunnel session ${lease.sessionId}: ${error.message}`, { cause: error }));
    const onClose = () =>
      fail(
        new TunnelConnectError(
          authority,
          lease.session.destroyed
            ? `CONNECT ${authority}: the peer closed tunnel session ${lease.sessionId} (did it refuse our certificate?)`
            : `CONNECT ${authority}: the stream closed before an answer`,
        ),
      );
    const onResponse = (response: Record<string, unknown>) => {
      const status = Number(response[':status']);
      if (status !== 200) {
        fail(new TunnelRefusedError(authority, status, `CONNECT ${authority} refused by the destination node with status ${status}`));
        return;
      }
      clearTimeout(timer);
      stream.off('error', onError);
      stream.off('close', onClose);
      resolve({ stream, sessionId: lease.sessionId });
    };
    const timer = setTimeout(
      () => fail(new TunnelConnectError(authority, `CONNECT ${authority}: no answer within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    stream.once('response', onResponse);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
