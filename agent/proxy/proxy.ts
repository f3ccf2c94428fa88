/**
 * The node proxy (ztunnel's src/proxy.rs): from one ProxyInputs bag it builds
 * the tunnel pool, the outbound listener and, with certificates, the inbound
 * tunnel listener, and subscribes its telemetry (agent/telemetry/). The listeners share the
 * pool through their inputs; nothing outside asks a listener for it.
 */
import type { Server } from 'node:net';
import type { Drain } from '../drain.js';
import type { TelemetryScope } from '../telemetry/events.js';
import { defaultTrustDomain } from '../telemetry/labels.js';
import { subscribeTelemetry } from '../telemetry/subscribe.js';
import type { Unsubscribe } from '../telemetry/subscription.js';
import { defaultMaxStreamsPerSession, defaultSessionIdleMs } from './hbone.js';
import { InboundCapture } from './inbound-capture.js';
import { AuthorizedConnections } from '../stack/authorized-connections.js';
import { Inbound, type InboundSessionStatus } from './inbound.js';
import { Outbound } from './outbound.js';
import { TunnelPool, type PoolEntryStatus } from './pool.js';
import type { ListenerInputs, ProxyInputs } from './proxy-inputs.js';
import { TlsContexts } from './tls-context.js';

export interface ProxyStatus {
  /** outbound tunnel sessions by (source, destination, node); absent without certificates */
  tunnels?: PoolEntryStatus[];
  /** sessions peer nodes opened here; absent without certificates */
  inboundSessions?: InboundSessionStatus[];
}

/** The pool of a proxy with certificates: sessions to peer node proxies, closed when the drain starts. */
export function tunnelPool(inputs: ProxyInputs, drain: Drain): TunnelPool | undefined {
  const { certificates, config, metrics, log } = inputs;
  if (!certificates) return undefined;
  const pool = new TunnelPool({
    contexts: new TlsContexts(certificates),
    localAddress: config.nodeIp,
    connectTimeoutMs: config.connectTimeoutMs,
    maxStreamsPerSession: config.tunnelMaxStreams ?? defaultMaxStreamsPerSession,
    idleTimeoutMs: config.tunnelIdleTimeoutMs ?? defaultSessionIdleMs,
    metrics: metrics.tunnel,
    log,
  });
  drain.signal.addEventListener('abort', () => pool.close(), { once: true });
  return pool;
}

/** This proxy's subscribers on the telemetry channels, for its scope; returns their unsubscribe. */
export function proxyTelemetry(inputs: ProxyInputs, scope: TelemetryScope): Unsubscribe {
  return subscribeTelemetry(scope, {
    metrics: inputs.metrics,
    log: inputs.log,
    ...(inputs.inboundLog ? { inboundLog: inputs.inboundLog } : {}),
    ...(inputs.config.accessLog ? { accessLog: inputs.config.accessLog } : {}),
    trustDomain: inputs.certificates?.trustDomain ?? defaultTrustDomain,
  });
}

export class Proxy {
  readonly #pool: TunnelPool | undefined;
  readonly #outbound: Outbound;
  readonly #inbound: Inbound | undefined;
  /** inbound plaintext to local pods, captured and authorized; absent without a datapath (in-process tests) */
  readonly capture: InboundCapture | undefined;
  readonly #authorized = new AuthorizedConnections();
  readonly #listeners: ListenerInputs;

  constructor(inputs: ProxyInputs, drain: Drain) {
    this.#pool = tunnelPool(inputs, drain);
    if (!this.#pool) inputs.log.warn('no certificate provider: connections to pods on other nodes go direct, without mTLS');
    const scope = Symbol(inputs.config.nodeName);
    // For the agent's lifetime: connections still closing during the drain are recorded.
    proxyTelemetry(inputs, scope);
    const listeners: ListenerInputs = { ...inputs, pool: this.#pool, scope, authorized: this.#authorized };
    this.#listeners = listeners;
    this.#outbound = new Outbound(listeners, drain);
    const { certificates } = listeners;
    this.#inbound = certificates ? new Inbound({ ...listeners, certificates }, drain) : undefined;
    const capture = inputs.captureDatapath ? new InboundCapture(listeners, inputs.captureDatapath) : undefined;
    this.capture = capture;
    if (capture) drain.signal.addEventListener('abort', () => capture.close(), { once: true });
  }

  /** `reserved`: the listeners' sockets, bound before the agent touched the node (agent/system/port-reservation.ts). */
  async run(reserved: { outbound?: Server; inbound?: Server } = {}): Promise<void> {
    await this.#outbound.run(reserved.outbound);
    await this.#inbound?.run(reserved.inbound);
  }

  addresses(): { outbound: { ip: string; port: number }; inbound?: { ip: string; port: number } } {
    return { outbound: this.#outbound.address(), ...(this.#inbound ? { inbound: this.#inbound.address() } : {}) };
  }

  /** After a config is applied: open connections to local pods that its policies deny are closed. */
  recheckAuthorization(): number {
    return this.#authorized.recheck(this.#listeners, this.#listeners.config.nodeName);
  }

  /** For `weft status`. */
  status(): ProxyStatus {
    return {
      ...(this.#pool ? { tunnels: this.#pool.snapshot() } : {}),
      ...(this.#inbound ? { inboundSessions: this.#inbound.sessions() } : {}),
    };
  }
}
