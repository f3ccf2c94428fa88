import type { PathNormalization } from '../authz/normalize-path.js';
import type { CaptureDatapath } from './inbound-capture.js';
import type { AuthorizedConnections } from '../stack/authorized-connections.js';
import type { Workload } from '../../model/types.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { OriginalDestination, SocketPair } from '../datapath/map-codec.js';
import type { CertificateProvider } from '../../core/spiffe-id.js';
import type { Logger } from '../../core/log.js';
import type { AgentMetrics } from '../metrics.js';
import type { ProxyState } from '../state/proxy-state.js';
import type { TelemetryScope } from '../telemetry/events.js';
import type { AccessLogOptions } from './access-log.js';
import type { TunnelPool } from './pool.js';

/** Where the proxy learns what a redirected socket was for. */
export interface OriginalDestinationSource {
  takeOriginalDestination(pair: SocketPair): OriginalDestination | null;
}

/** Which local workload a redirected socket came from, by its cgroup (SourceResolver). */
export interface SourceLookup {
  resolve(cgroupId: bigint): Workload | undefined;
}

/**
 * A node's IP by node name, for the tunnel to a pod on another node. The
 * config model has no Node objects; the agent learns addresses (from the
 * control plane, or a map in tests) and answers undefined for a node it does
 * not know, which refuses that endpoint rather than guess.
 */
export type NodeAddressResolver = (node: string) => string | undefined;

/** The accept queue of the proxy's listeners: a burst of connects from every pod of a node waits there, not in SYN retries. */
export const listenBacklog = 4096;

export interface ProxyConfig {
  nodeName: string;
  /** how request paths are normalised before routing, authorization and forwarding; default DECODE_AND_MERGE_SLASHES */
  pathNormalization?: PathNormalization;
  nodeIp: string;
  outboundPort: number;
  /** the tunnel listener's port, here and on every peer node; default 15008 */
  inboundPort?: number;
  connectTimeoutMs: number;
  /** how many distinct endpoints one connection may try */
  connectAttempts: number;
  /** CONNECT streams per pooled tunnel session; default 100 */
  tunnelMaxStreams?: number;
  /** a pooled tunnel session with no streams this long is closed; default 60 s */
  tunnelIdleTimeoutMs?: number;
  /** how long a connection to a Service port that declares no protocol waits for the client's first bytes before it is TCP; default 1 s */
  protocolDetectTimeoutMs?: number;
  /** which access log lines are written; default every one (access-log.ts) */
  accessLog?: AccessLogOptions;
}

/** The one bag every listener is built from (ztunnel's ProxyInputs). */
export interface ProxyInputs {
  config: ProxyConfig;
  state: ProxyState;
  sources: SourceLookup;
  originalDestinations: OriginalDestinationSource;
  /** read by the telemetry subscribers and the pool; the listeners and layers never record */
  metrics: AgentMetrics;
  /** the outbound listener's log (and the proxy's) */
  log: Logger;
  /** the inbound listener's log; `log` when absent */
  inboundLog?: Logger;
  /**
   * Workload certificates and the trust bundle. The inbound listener needs
   * it; without it the outbound listener connects to pods on other nodes
   * directly, in plaintext, as before the tunnel existed.
   */
  certificates?: CertificateProvider;
  /** how many connections the listeners take on, per source pod and in all; unlimited without */
  limits?: ConnectionLimits;
  /** Needed with `certificates` for the outbound side of the tunnel. */
  nodeAddress?: NodeAddressResolver;
  /** the datapath's capture maps and hook: with it, inbound plaintext to local pods is captured and authorized (inbound-capture.ts) */
  captureDatapath?: CaptureDatapath;
}

/** What the hub hands each listener and, through it, each layer: its inputs plus what it owns. */
export interface ListenerInputs extends ProxyInputs {
  /** tunnel sessions to peer nodes; absent without certificates (pods elsewhere are then dialled directly) */
  pool: TunnelPool | undefined;
  /** this proxy's name on the telemetry channels */
  scope: TelemetryScope;
  /** connections to local pods, re-checked when policies change; absent: never re-checked (in-process tests) */
  authorized?: AuthorizedConnections;
}

/** A resolver over a fixed map (tests, a static node list). */
export function nodeAddressMap(addresses: Record<string, string> | Map<string, string>): NodeAddressResolver {
  const map = addresses instanceof Map ? addresses : new Map(Object.entries(addresses));
  return (node) => map.get(node);
}
