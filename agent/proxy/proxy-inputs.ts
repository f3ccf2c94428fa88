import type { OriginalDestination, SocketPair } from '../datapath/map-codec.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import type { ProxyState } from '../state/proxy-state.js';
import type { SourceResolver } from '../state/source-resolver.js';

/** Where the proxy learns what a redirected socket was for. */
export interface OriginalDestinationSource {
  takeOriginalDestination(pair: SocketPair): OriginalDestination | null;
}

export interface ProxyConfig {
  nodeName: string;
  nodeIp: string;
  outboundPort: number;
  connectTimeoutMs: number;
  /** how many distinct endpoints one connection may try */
  connectAttempts: number;
}

/** The one bag every listener is built from (ztunnel's ProxyInputs). */
export interface ProxyInputs {
  config: ProxyConfig;
  state: ProxyState;
  sources: SourceResolver;
  originalDestinations: OriginalDestinationSource;
  metrics: AgentMetrics;
  log: Logger;
}
