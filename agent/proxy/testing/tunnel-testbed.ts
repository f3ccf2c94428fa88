/**
 * Two node proxies in one process, on 127.0.0.1 only: node-1's outbound
 * listener (source pod `productpage`) and node-2's inbound tunnel listener
 * in front of a TCP "pod" (`reviews`, the backend). Real TLS, real HTTP/2.
 * The config also holds workloads that exist only on paper (never dialled):
 * `ratings` on node-2 (another identity) and `details` on node-3.
 * Each half-node is put together as the Proxy hub does (proxy.ts), with its
 * own telemetry scope, metrics and log; node-1 gets the tunnel pool.
 */
import type { ConnectionLimits } from '../connection-limits.js';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import type { HttpRoute, MeshConfig, Service, Workload } from '../../../model/types.js';
import { Drain } from '../../drain.js';
import type { WorkloadIdentity } from '../../../core/spiffe-id.js';
import { StaticCertificateProvider, TestCa } from '../../identity/testing/test-ca.js';
import { AgentMetrics } from '../../metrics.js';
import { ProxyState } from '../../state/proxy-state.js';
import type { AccessLogOptions } from '../access-log.js';
import { Inbound } from '../inbound.js';
import { Outbound } from '../outbound.js';
import type { TunnelPool } from '../pool.js';
import { proxyTelemetry, tunnelPool } from '../proxy.js';
import { nodeAddressMap, type ProxyConfig, type ProxyInputs } from '../proxy-inputs.js';

export const trustDomain = 'cluster.local';
export const vip = { ip: '10.96.0.20', port: 9080 };

const source = { file: 'test', document: 0 };
function workload(name: string, node: string, ip: string, serviceAccount: string, app = name): Workload {
  return { name: `${name}-0`, namespace: 'shop', labels: { app }, node, ip, serviceAccount, mesh: true, source };
}

export function identity(serviceAccount: string, namespace = 'shop', domain = trustDomain): WorkloadIdentity {
  return { trustDomain: domain, namespace, serviceAccount };
}

/** Log lines as objects, for assertions on what a listener logged. */
export function captureLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

export interface Testbed {
  ca: TestCa;
  workloads: { productpage: Workload; reviews: Workload; ratings: Workload; details: Workload };
  /** node-1's certificates (the client side) and node-2's (the server side) */
  clientCertificates: StaticCertificateProvider;
  serverCertificates: StaticCertificateProvider;
  outbound: Outbound;
  inbound: Inbound;
  /** node-1's tunnel pool (the hub's, which its outbound listener dials through) */
  pool: TunnelPool;
  backendPort: number;
  /** connections the backend pod accepted */
  backendAccepted: () => number;
  inboundLog: Array<Record<string, unknown>>;
  outboundLog: Array<Record<string, unknown>>;
  inboundMetrics: AgentMetrics;
  outboundMetrics: AgentMetrics;
  /** a client connection of the source pod, as the datapath would hand it to the outbound listener */
  dial(): Promise<Socket>;
  /** node-2's proxy shutting down: its drain */
  inboundDrain: Drain;
  /** node-1's proxy shutting down: its drain */
  outboundDrain: Drain;
  close(): Promise<void>;
}

export interface TestbedOptions {
  onBackend?: (socket: Socket) => void;
  tunnelMaxStreams?: number;
  /** both proxies' access log mode (default: full) */
  accessLog?: AccessLogOptions;
  /** the reviews Service port's name and appProtocol (default: named tcp, so L4) */
  servicePort?: { name?: string; appProtocol?: string };
  /** HTTPRoutes in both proxies' config (default: none) */
  httpRoutes?: HttpRoute[];
  /** the inbound side's connection limits (default: none) */
  inboundLimits?: ConnectionLimits;
}

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const ca = await TestCa.create({ trustDomain });
  let accepted = 0;
  const backend = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    socket.on('error', () => undefined); // resets are part of some tests
    (options.onBackend ?? ((s: Socket) => s.pipe(s)))(socket);
  });
  const backendPort = await listen(backend);

  const workloads = {
    productpage: workload('productpage', 'node-1', '10.244.1.5', 'productpage'),
    reviews: workload('reviews', 'node-2', '127.0.0.1', 'reviews'),
    ratings: workload('ratings', 'node-2', '10.244.2.7', 'ratings'),
    details: workload('details', 'node-3', '10.244.3.9', 'details'),
  };
  const reviewsService: Service = {
    name: 'reviews',
    namespace: 'shop',
    clusterIP: vip.ip,
    selector: { app: 'reviews' },
    ports: [{ name: 'tcp', ...options.servicePort, port: vip.port, targetPort: backendPort, protocol: 'TCP' }],
    source,
  };
  const mesh: MeshConfig = {
    nodes: [
      { name: 'node-1', ip: '127.0.0.1', source },
      { name: 'node-2', ip: '127.0.0.1', source },
    ],
    services: [reviewsService],
    workloads: Object.values(workloads),
    httpRoutes: options.httpRoutes ?? [],
    grpcRoutes: [],
    authorizationPolicies: [],
    peerAuthentications: [],
    namespaces: [],
  };
  const config = (nodeName: string): ProxyConfig => ({
    nodeName,
    nodeIp: '127.0.0.1',
    outboundPort: 0,
    inboundPort: 0,
    connectTimeoutMs: 2_000,
    connectAttempts: 1,
    ...(options.tunnelMaxStreams ? { tunnelMaxStreams: options.tunnelMaxStreams } : {}),
    ...(options.accessLog ? { accessLog: options.accessLog } : {}),
  });
  const unused = {
    sources: { resolve: () => undefined },
    originalDestinations: { takeOriginalDestination: () => null },
  };

  const serverCertificates = new StaticCertificateProvider(ca);
  const inboundState = new ProxyState();
  inboundState.update(mesh, new Map());
  const inboundDrain = new Drain();
  const inboundLog = captureLog();
  const inboundMetrics = new AgentMetrics();
  const inboundInputs = { config: config('node-2'), state: inboundState, ...unused, metrics: inboundMetrics, log: inboundLog.log, certificates: serverCertificates,
    ...(options.inboundLimits ? { limits: options.inboundLimits } : {}) };
  const inboundScope = Symbol('node-2');
  const unsubscribeInbound = proxyTelemetry(inboundInputs, inboundScope);
  const inbound = new Inbound({ ...inboundInputs, pool: undefined, scope: inboundScope }, inboundDrain);
  await inbound.run();

  const clientCertificates = new StaticCertificateProvider(ca);
  const outboundState = new ProxyState();
  outboundState.update(mesh, new Map([[1n, workloads.productpage]]));
  const outboundDrain = new Drain();
  const outboundLog = captureLog();
  const outboundMetrics = new AgentMetrics();
  const outboundInputs: ProxyInputs = {
    config: { ...config('node-1'), inboundPort: inbound.address().port },
    state: outboundState,
    sources: { resolve: (cgroupId) => (cgroupId === 1n ? workloads.productpage : undefined) },
    originalDestinations: { takeOriginalDestination: () => ({ ...vip, cgroupId: 1n }) },
    metrics: outboundMetrics,
    log: outboundLog.log,
    certificates: clientCertificates,
    nodeAddress: nodeAddressMap({ 'node-2': '127.0.0.1' }),
  };
  const pool = tunnelPool(outboundInputs, outboundDrain)!;
  const outboundScope = Symbol('node-1');
  const unsubscribeOutbound = proxyTelemetry(outboundInputs, outboundScope);
  const outbound = new Outbound({ ...outboundInputs, pool, scope: outboundScope }, outboundDrain);
  await outbound.run();

  return {
    ca,
    workloads,
    clientCertificates,
    serverCertificates,
    outbound,
    inbound,
    pool,
    backendPort,
    backendAccepted: () => accepted,
    inboundLog: inboundLog.lines,
    outboundLog: outboundLog.lines,
    inboundMetrics,
    outboundMetrics,
    inboundDrain,
    outboundDrain,
    async dial() {
      const socket = connect({ host: '127.0.0.1', port: outbound.address().port, allowHalfOpen: true });
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      return socket;
    },
    async close() {
      await outboundDrain.drain(100);
      await inboundDrain.drain(100);
      await new Promise((resolve) => backend.close(resolve));
      unsubscribeOutbound();
      unsubscribeInbound();
    },
  };
}

/** Everything a socket or stream delivers until its end. */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Waits (bounded) until the predicate holds. */
export async function eventually(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
