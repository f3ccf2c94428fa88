/**
 * One CONNECT stream on an authenticated tunnel session, top to bottom:
 * check the request -> the destination must be a meshed workload of this
 * node, of the identity this session's server certificate proved -> connect
 * to the pod from the node IP -> 200 -> copy both ways -> record. A refusal
 * is an HTTP status on the stream (the session and its other streams live
 * on) plus a log line with the reason.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Workload } from '../../model/types.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import type { ProxyState } from '../state/proxy-state.js';
import { AccessLog } from './access-log.js';
import { connectUpstream } from './connect-upstream.js';
import { copyDuplex, http2StreamEnd, socketEnd } from './copy-duplex.js';
import { parseConnectAuthority, parseForwardedFor, passThroughHeaders, type TraceHeaders } from './hbone.js';
import { inboundTcpLabels } from './inbound-telemetry.js';
import { sameIdentity, workloadIdentity } from './peer-identity.js';
import type { ProxyInputs } from './proxy-inputs.js';
import { InboundRefusedError } from './tunnel-errors.js';

/** What the handshake established about a tunnel session. */
export interface TunnelPeer {
  sessionId: number;
  /** the client's identity, proven by its certificate */
  identity: WorkloadIdentity;
  /** the identity our server certificate carried (the SNI's workload) */
  serverIdentity: WorkloadIdentity;
  /** the peer node proxy's ip:port */
  address: string;
  certificateSerial: string;
}

/** A meshed workload scheduled on this node, by pod IP. */
export function localWorkload(state: ProxyState, nodeName: string, ip: string): Workload | undefined {
  const destination = state.resolve(ip, 0);
  if (destination?.kind !== 'workload') return undefined;
  const { workload } = destination;
  return workload.node === nodeName && workload.mesh ? workload : undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class InboundHandler {
  readonly #accessLog: AccessLog;

  constructor(private readonly inputs: ProxyInputs & { certificates: { trustDomain: string } }) {
    this.#accessLog = new AccessLog(inputs.config.accessLog);
  }

  async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, peer: TunnelPeer): Promise<void> {
    const started = performance.now();
    const { log, metrics, config, state } = this.inputs;
    const trace: TraceHeaders = {};
    for (const name of passThroughHeaders) {
      const value = header(headers, name);
      if (value !== undefined) trace[name] = value;
    }
    const authority = header(headers, ':authority') ?? '';
    const src = { principal: spiffeId(peer.identity), addr: peer.address, session: peer.sessionId };
    try {
      const destination = this.#destination(headers, authority, peer);
      const target = { ip: destination.workload.ip, port: destination.port };
      const source = this.#verifiedSource(headers, peer.identity);
      // Authorization policy on (peer.identity, destination) belongs here, before the pod is dialled.
      let upstream;
      try {
        upstream = await connectUpstream(target.ip, target.port, config.nodeIp, config.connectTimeoutMs);
      } catch (error) {
        throw new InboundRefusedError('tunnel_upstream_connect_failed', 503, `${authority}: ${(error as Error).message}`);
      }
      if (stream.destroyed) {
        upstream.destroy(); // the peer gave up while we connected
        return;
      }
      stream.respond({ ':status': 200 });
      const labels = inboundTcpLabels(peer.identity, source, destination.workload, destination.identity);
      const connection = metrics.tcpConnection(labels);
      // The tunnel stream is the source's side: bytes it sends are the ones the source workload sent.
      const copied = await copyDuplex(http2StreamEnd(stream), socketEnd(upstream));
      connection.closed(copied.sent, copied.received);
      if (!this.#accessLog.admits(copied.error !== undefined)) return;
      log.info(
        {
          src: { ...src, workload: source && `${source.namespace}/${source.name}`, certificateSerial: peer.certificateSerial },
          dst: { workload: `${destination.workload.namespace}/${destination.workload.name}`, principal: labels.destination_principal, addr: authority },
          sent: copied.sent,
          received: copied.received,
          durationMs: Math.round(performance.now() - started),
          ...trace,
          error: copied.error?.message,
        },
        'inbound connection complete',
      );
    } catch (error) {
      if (!(error instanceof InboundRefusedError)) throw error;
      metrics.refused.inc({ reason: error.reason });
      if (this.#accessLog.admits(true)) {
        log.warn({ reason: error.reason, status: error.status, src, dst: { addr: authority }, detail: error.message, ...trace }, 'inbound connection refused');
      }
      if (!stream.destroyed && !stream.headersSent) stream.respond({ ':status': error.status }, { endStream: true });
    }
  }

  #destination(headers: IncomingHttpHeaders, authority: string, peer: TunnelPeer) {
    if (header(headers, ':method') !== 'CONNECT') {
      throw new InboundRefusedError('tunnel_bad_request', 405, `only CONNECT is served, not ${header(headers, ':method')}`);
    }
    if (header(headers, ':protocol') !== undefined) {
      throw new InboundRefusedError('tunnel_bad_request', 400, 'extended CONNECT is not served');
    }
    const target = parseConnectAuthority(authority);
    if (!target) throw new InboundRefusedError('tunnel_bad_request', 400, `':authority' must be a pod ip:port, not '${authority}'`);
    const { state, config } = this.inputs;
    const workload = localWorkload(state, config.nodeName, target.ip);
    if (!workload) {
      throw new InboundRefusedError('tunnel_destination_not_local', 404, `${target.ip} is not a meshed workload on node ${config.nodeName}`);
    }
    const identity = workloadIdentity(workload, this.inputs.certificates.trustDomain);
    if (!sameIdentity(identity, peer.serverIdentity)) {
      // The client verified this session's server as another identity; it must open a session for this one.
      throw new InboundRefusedError(
        'tunnel_misdirected',
        421,
        `${authority} is ${spiffeId(identity)}, but this session serves ${spiffeId(peer.serverIdentity)}`,
      );
    }
    return { workload, identity, port: target.port };
  }

  /** The source workload, when the pod IP it claims belongs to a workload of the proven identity. */
  #verifiedSource(headers: IncomingHttpHeaders, peer: WorkloadIdentity): Workload | undefined {
    const ip = parseForwardedFor(header(headers, 'forwarded'));
    const claimed = ip === undefined ? undefined : this.inputs.state.resolve(ip, 0);
    if (claimed?.kind !== 'workload') return undefined;
    return sameIdentity(workloadIdentity(claimed.workload, peer.trustDomain), peer) ? claimed.workload : undefined;
  }
}
