/**
 * HTTP/2 sessions to peer node proxies, pooled so that a warm app connection
 * costs one CONNECT stream and no TLS handshake. A session is keyed, like
 * ztunnel's WorkloadKey, by (source identity, destination identity,
 * destination node address): the client certificate is the source's, and
 * the server proved it is the destination's, so a session can carry streams
 * only for that pair. Each session takes at most `maxStreamsPerSession`
 * streams (and no more than the server allows); the next stream opens
 * another session. A session with no streams for `idleTimeoutMs` is closed.
 * A session that fails is evicted; only its own streams fail with it.
 * When the source's credential or the trust bundle rotates, sessions made
 * with the old one take no new streams and close once their streams end.
 * This file is the bookkeeping (ztunnel's PoolState); opening a session is
 * tunnel-connector.ts.
 */
import type { ClientHttp2Session } from 'node:http2';
import type { SecureContext } from 'node:tls';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import type { Logger } from '../../core/log.js';
import type { TunnelMetrics } from '../metrics/tunnel-metrics.js';
import { connectAuthority } from './hbone.js';
import type { IdentityContext, TlsContexts } from './tls-context.js';
import { TunnelConnector } from './tunnel-connector.js';
import { TunnelConnectError } from './tunnel-errors.js';

export interface PoolKey {
  source: WorkloadIdentity;
  destination: WorkloadIdentity;
  node: string;
  /** the destination node proxy's tunnel listener */
  address: { ip: string; port: number };
}

export interface TunnelPoolOptions {
  contexts: TlsContexts;
  /** the node IP tunnels are dialled from (so peers' STRICT ingress sees the node proxy) */
  localAddress?: string;
  connectTimeoutMs: number;
  maxStreamsPerSession: number;
  idleTimeoutMs: number;
  /** weft_tunnel_handshakes_total and weft_tunnel_sessions{direction="outbound"} */
  metrics?: TunnelMetrics;
  log: Logger;
}

/** One stream's hold on a session; `release` when the stream is gone (idempotent). */
export interface Lease {
  session: ClientHttp2Session;
  sessionId: number;
  release(): void;
}

type SessionState = 'connecting' | 'ready' | 'draining' | 'closed';

interface PooledSession {
  id: number;
  key: string;
  state: SessionState;
  /** reserved or open streams */
  streams: number;
  maxStreams: number;
  /** the context it was made with: a rotation makes the pool's current one differ */
  context: SecureContext;
  credentialNotAfter: Date;
  establishedAt?: Date;
  /** serial of the server certificate the handshake verified */
  peerCertificateSerial?: string;
  session: ClientHttp2Session;
  ready: Promise<ClientHttp2Session>;
  idleTimer?: NodeJS.Timeout;
}

export interface PoolSessionStatus {
  id: number;
  state: SessionState;
  streams: number;
  maxStreams: number;
  establishedAt?: string;
  /** when our (client) certificate of this session expires */
  certificateNotAfter: string;
  /** the server certificate this session verified */
  peerCertificateSerial?: string;
}

export interface PoolEntryStatus {
  source: string;
  destination: string;
  node: string;
  address: string;
  sessions: PoolSessionStatus[];
}

export class TunnelPool {
  readonly #entries = new Map<string, { key: PoolKey; sessions: PooledSession[] }>();
  readonly #connector: TunnelConnector;
  #nextId = 1;
  #closed = false;

  constructor(private readonly options: TunnelPoolOptions) {
    this.#connector = new TunnelConnector({
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      log: options.log,
    });
  }

  /** A session with room for one more stream, opening one when none has room. */
  async acquire(key: PoolKey, serverName: string): Promise<Lease> {
    if (this.#closed) throw new TunnelConnectError(describeKey(key), 'the tunnel pool is closed (draining)');
    let current: IdentityContext;
    try {
      current = await this.options.contexts.forIdentity(key.source);
    } catch (error) {
      throw new TunnelConnectError(describeKey(key), `no credential for ${spiffeId(key.source)}: ${(error as Error).message}`, { cause: error });
    }
    // From here to the reservation nothing awaits, so concurrent callers see each other's reservations.
    const name = describeKey(key);
    const entry = this.#entries.get(name) ?? { key, sessions: [] };
    this.#entries.set(name, entry);
    for (const pooled of entry.sessions) {
      if (pooled.context !== current.context && pooled.state !== 'closed') this.#retire(pooled, 'credential rotated');
    }
    const pooled =
      entry.sessions.find((s) => (s.state === 'ready' || s.state === 'connecting') && s.streams < s.maxStreams) ??
      this.#open(name, key, serverName, current, entry.sessions);
    pooled.streams++;
    clearTimeout(pooled.idleTimer);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#release(pooled);
    };
    try {
      return { session: await pooled.ready, sessionId: pooled.id, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** TLS handshakes this pool started, successful or not. */
  handshakes(): number {
    return this.#connector.handshakes();
  }

  /** For `weft status`: per key, its sessions and their streams. */
  snapshot(): PoolEntryStatus[] {
    return [...this.#entries.values()].map(({ key, sessions }) => ({
      source: spiffeId(key.source),
      destination: spiffeId(key.destination),
      node: key.node,
      address: connectAuthority(key.address.ip, key.address.port),
      sessions: sessions.map((s) => ({
        id: s.id,
        state: s.state,
        streams: s.streams,
        maxStreams: s.maxStreams,
        ...(s.establishedAt ? { establishedAt: s.establishedAt.toISOString() } : {}),
        certificateNotAfter: s.credentialNotAfter.toISOString(),
        ...(s.peerCertificateSerial ? { peerCertificateSerial: s.peerCertificateSerial } : {}),
      })),
    }));
  }

  /** Drain: no new streams anywhere; sessions close once their streams end. */
  close(): void {
    this.#closed = true;
    for (const { sessions } of this.#entries.values()) for (const pooled of [...sessions]) this.#retire(pooled, 'pool closed');
  }

  #open(name: string, key: PoolKey, serverName: string, { context, credential }: IdentityContext, sessions: PooledSession[]): PooledSession {
    const { log, metrics } = this.options;
    const { session, ready } = this.#connector.open(name, key, serverName, context);
    const pooled: PooledSession = {
      id: this.#nextId++,
      key: name,
      state: 'connecting',
      streams: 0,
      maxStreams: this.options.maxStreamsPerSession,
      context,
      credentialNotAfter: credential.notAfter,
      session,
      ready: ready.then(({ peerCertificateSerial }) => {
        pooled.state = pooled.state === 'connecting' ? 'ready' : pooled.state;
        pooled.establishedAt = new Date();
        pooled.peerCertificateSerial = peerCertificateSerial;
        log.debug({ tunnel: name, session: pooled.id }, 'tunnel session established');
        return session;
      }),
    };
    session.on('remoteSettings', (settings) => {
      pooled.maxStreams = Math.min(this.options.maxStreamsPerSession, settings.maxConcurrentStreams ?? Infinity);
    });
    session.on('goaway', () => this.#evict(pooled));
    session.on('error', (error) => {
      log.warn({ tunnel: name, session: pooled.id, err: error }, 'tunnel session failed');
      this.#evict(pooled);
    });
    session.once('close', () => this.#evict(pooled));
    pooled.ready.catch(() => undefined); // callers get it through acquire; this keeps a failure nobody awaits from being unhandled
    sessions.push(pooled);
    metrics?.sessions.inc({ direction: 'outbound' });
    return pooled;
  }

  #release(pooled: PooledSession): void {
    pooled.streams--;
    if (pooled.streams > 0) return;
    if (pooled.state === 'draining') {
      pooled.session.close();
    } else if (pooled.state === 'ready') {
      pooled.idleTimer = setTimeout(() => this.#retire(pooled, 'idle'), this.options.idleTimeoutMs);
      pooled.idleTimer.unref();
    }
  }

  /** No new streams; closes at once when idle, else when its last stream ends. */
  #retire(pooled: PooledSession, why: string): void {
    if (pooled.state === 'closed' || pooled.state === 'draining') return;
    this.options.log.debug({ tunnel: pooled.key, session: pooled.id, why }, 'tunnel session retired');
    pooled.state = 'draining';
    clearTimeout(pooled.idleTimer);
    if (pooled.streams === 0) pooled.session.close();
  }

  #evict(pooled: PooledSession): void {
    if (pooled.state === 'closed') return;
    pooled.state = 'closed';
    clearTimeout(pooled.idleTimer);
    this.options.metrics?.sessions.dec({ direction: 'outbound' });
    const entry = this.#entries.get(pooled.key);
    if (!entry) return;
    entry.sessions = entry.sessions.filter((s) => s !== pooled);
    if (entry.sessions.length === 0) this.#entries.delete(pooled.key);
    if (!pooled.session.destroyed) pooled.session.close();
  }
}

function describeKey(key: PoolKey): string {
  return `${spiffeId(key.source)} -> ${spiffeId(key.destination)} @ ${key.node} (${connectAuthority(key.address.ip, key.address.port)})`;
}
