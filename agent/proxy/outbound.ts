/**
 * The outbound listener (port 15001): every connect a meshed pod makes to a
 * meshed destination arrives here. A connection's life, top to bottom:
 * accept -> original destination from the datapath -> source workload from
 * the cgroup id -> destination from state -> pick endpoint -> connect
 * (directly to a pod of this node; through the mTLS tunnel to the proxy of
 * the pod's node otherwise) -> copy both ways, watching for HTTP/1 ->
 * record. The copy is byte for byte: headers such as W3C traceparent and
 * baggage reach the destination as the client sent them, through the
 * tunnel too; the HTTP observer only reads (http-observer.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ConnectionRefusedError } from '../../core/errors.js';
import type { Drain } from '../drain.js';
import type { Workload } from '../../model/types.js';
import { serviceKey, type Destination, type Endpoint } from '../state/destination.js';
import { stripMapped } from '../datapath/map-codec.js';
import { AccessLog } from './access-log.js';
import { connectTunnel } from './connect-tunnel.js';
import { connectUpstream } from './connect-upstream.js';
import { copyDuplex, http2StreamEnd, socketEnd, type CopyEnd } from './copy-duplex.js';
import { defaultInboundPort, defaultMaxStreamsPerSession, defaultSessionIdleMs } from './hbone.js';
import { observeHttp } from './http-telemetry.js';
import { RoundRobin } from './load-balancer-round-robin.js';
import { workloadIdentity } from './peer-identity.js';
import { TunnelPool } from './pool.js';
import type { ProxyInputs } from './proxy-inputs.js';
import { defaultTrustDomain, tcpLabels } from './telemetry-labels.js';
import { TlsContexts } from './tls-context.js';

/** An upstream as the copy sees it, and how it was reached. */
interface Upstream {
  end: CopyEnd;
  endpoint: Endpoint;
  /** set when the endpoint was reached through the tunnel to its node */
  tunnel?: { node: string; addr: string; session: number };
}

export class Outbound {
  readonly #server: Server;
  readonly #balancer = new RoundRobin();
  readonly #accessLog: AccessLog;
  /** Tunnel sessions to peer nodes; absent without a certificate provider (pods elsewhere are then dialled directly). */
  readonly tunnels: TunnelPool | undefined;

  constructor(
    private readonly inputs: ProxyInputs,
    private readonly drain: Drain,
  ) {
    this.#accessLog = new AccessLog(inputs.config.accessLog);
    if (inputs.certificates) {
      this.tunnels = new TunnelPool({
        contexts: new TlsContexts(inputs.certificates),
        localAddress: inputs.config.nodeIp,
        connectTimeoutMs: inputs.config.connectTimeoutMs,
        maxStreamsPerSession: inputs.config.tunnelMaxStreams ?? defaultMaxStreamsPerSession,
        idleTimeoutMs: inputs.config.tunnelIdleTimeoutMs ?? defaultSessionIdleMs,
        metrics: inputs.metrics,
        log: inputs.log,
      });
      drain.signal.addEventListener('abort', () => this.tunnels?.close(), { once: true });
    } else {
      inputs.log.warn('no certificate provider: connections to pods on other nodes go direct, without mTLS');
    }
    this.#server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
      this.drain.track(socket);
      this.#handle(socket).catch((error) => {
        this.inputs.log.error({ err: error }, 'outbound connection failed unexpectedly');
        socket.resetAndDestroy();
      });
    });
    drain.signal.addEventListener('abort', () => this.#server.close(), { once: true });
  }

  address(): { ip: string; port: number } {
    const bound = this.#server.address();
    const port = bound && typeof bound === 'object' ? bound.port : this.inputs.config.outboundPort;
    return { ip: this.inputs.config.nodeIp, port };
  }

  async run(): Promise<void> {
    const { nodeIp: ip, outboundPort: port } = this.inputs.config;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: ip, port, backlog: 4096 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#server.on('error', (error) => this.inputs.log.error({ err: error }, 'outbound listener error'));
  }

  async #handle(downstream: Socket): Promise<void> {
    const started = performance.now();
    const peer = { ip: stripMapped(downstream.remoteAddress ?? ''), port: downstream.remotePort ?? 0 };
    let source: Workload | undefined;
    let destination: Destination | undefined;
    try {
      const original = this.inputs.originalDestinations.takeOriginalDestination({
        srcIp: peer.ip,
        srcPort: peer.port,
        dstIp: stripMapped(downstream.localAddress ?? ''),
        dstPort: downstream.localPort ?? 0,
      });
      if (!original) {
        throw new ConnectionRefusedError('no_original_destination', `no redirect record for ${peer.ip}:${peer.port}`);
      }
      source = this.inputs.sources.resolve(original.cgroupId);
      if (!source) {
        throw new ConnectionRefusedError(
          'unknown_source_workload',
          `cgroup ${original.cgroupId} of ${peer.ip}:${peer.port} belongs to no enrolled workload`,
        );
      }
      destination = this.inputs.state.resolve(original.ip, original.port);
      if (!destination) {
        throw new ConnectionRefusedError('unknown_destination', `${original.ip}:${original.port} is not a mesh destination`);
      }
      const upstream = await this.#connect(source, destination);
      const { metrics, log, certificates } = this.inputs;
      const labels = tcpLabels(source, destination, upstream.endpoint, {
        trustDomain: certificates?.trustDomain ?? defaultTrustDomain,
        tunnelled: upstream.tunnel !== undefined,
      });
      const src = { workload: `${source.namespace}/${source.name}`, principal: labels.source_principal, addr: `${peer.ip}:${peer.port}` };
      const dst = {
        service: labels.destination_service,
        workload: `${upstream.endpoint.workload.namespace}/${upstream.endpoint.workload.name}`,
        principal: labels.destination_principal,
        addr: `${upstream.endpoint.ip}:${upstream.endpoint.port}`,
      };
      const connection = metrics.tcpConnection(labels);
      const http = observeHttp({ metrics, log, accessLog: this.#accessLog, labels, src, dst });
      const copied = await copyDuplex(socketEnd(downstream), upstream.end, http);
      connection.closed(copied.sent, copied.received);
      if (!this.#accessLog.admits(copied.error !== undefined)) return;
      log.info(
        {
          src,
          dst,
          ...(upstream.tunnel ? { tunnel: upstream.tunnel } : {}),
          sent: copied.sent,
          received: copied.received,
          durationMs: Math.round(performance.now() - started),
          error: copied.error?.message,
        },
        'connection complete',
      );
    } catch (error) {
      if (!(error instanceof ConnectionRefusedError)) throw error;
      this.inputs.metrics.refuse(error.reason);
      if (this.#accessLog.admits(true)) {
        this.inputs.log.warn(
          {
            reason: error.reason,
            src: { workload: source && `${source.namespace}/${source.name}`, addr: `${peer.ip}:${peer.port}` },
            detail: error.message,
          },
          'connection refused',
        );
      }
      downstream.resetAndDestroy();
    }
  }

  async #connect(source: Workload, destination: Destination): Promise<Upstream> {
    const candidates =
      destination.kind === 'service'
        ? this.#balancer.order(serviceKey(destination.service, destination.port), destination.endpoints)
        : [{ workload: destination.workload, ip: destination.workload.ip, port: destination.port }];
    if (candidates.length === 0) {
      throw new ConnectionRefusedError('no_healthy_endpoint', `${describe(destination)} has no endpoints`);
    }
    const { nodeIp, nodeName, connectTimeoutMs, connectAttempts } = this.inputs.config;
    const errors: string[] = [];
    for (const endpoint of candidates.slice(0, connectAttempts)) {
      try {
        if (endpoint.workload.node === nodeName || !this.tunnels) {
          return { end: socketEnd(await connectUpstream(endpoint.ip, endpoint.port, nodeIp, connectTimeoutMs)), endpoint };
        }
        return await this.#tunnel(source, endpoint);
      } catch (error) {
        errors.push(`${endpoint.ip}:${endpoint.port}: ${(error as Error).message}`);
      }
    }
    throw new ConnectionRefusedError('upstream_connect_failed', `${describe(destination)}: ${errors.join('; ')}`);
  }

  /** A pod on another node: a CONNECT stream to its node's proxy, as the source workload, to the destination's identity. */
  async #tunnel(source: Workload, endpoint: Endpoint): Promise<Upstream> {
    const { certificates, nodeAddress, config } = this.inputs;
    const node = endpoint.workload.node;
    const ip = nodeAddress?.(node);
    if (ip === undefined) throw new Error(`the address of node '${node}' is not known`);
    const nodePort = config.inboundPort ?? defaultInboundPort;
    const trustDomain = certificates!.trustDomain;
    const { stream, sessionId } = await connectTunnel(this.tunnels!, {
      source: workloadIdentity(source, trustDomain),
      sourceIp: source.ip,
      destination: workloadIdentity(endpoint.workload, trustDomain),
      node,
      nodeAddress: { ip, port: nodePort },
      target: { ip: endpoint.ip, port: endpoint.port },
      timeoutMs: config.connectTimeoutMs,
    });
    return { end: http2StreamEnd(stream), endpoint, tunnel: { node, addr: `${ip}:${nodePort}`, session: sessionId } };
  }
}

function describe(destination: Destination): string {
  return destination.kind === 'service'
    ? serviceKey(destination.service, destination.port)
    : `${destination.workload.namespace}/${destination.workload.name}:${destination.port}`;
}
