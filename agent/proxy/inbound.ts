/**
 * The inbound tunnel listener (port 15008): peer node proxies open mTLS
 * HTTP/2 sessions here and one CONNECT stream per proxied connection. A
 * session's life: TLS 1.3 + ALPN h2, the client's chain verified against the
 * trust bundle (TLS refuses a foreign CA, an expired leaf or no certificate)
 * -> its leaf proves one SPIFFE ID of our trust domain (else the session is
 * dropped) -> each CONNECT stream becomes a connection object run down the
 * stack below. A refusal from any layer is an HTTP status on the stream (the
 * session and its other streams live on), published with its reason.
 *
 * Which certificate we present: the destination workload's, as ztunnel does.
 * The TCP destination is the node address and says nothing about the pod, so
 * the client names the destination pod IP in the SNI (hbone.ts); we serve the
 * identity that our own state gives that pod, and only for a meshed workload
 * of this node, so a client can pick among local identities but nothing
 * else. There is no default certificate: a handshake without a usable SNI
 * fails. Streams of a session may only go to workloads of the identity its
 * handshake presented (421 otherwise).
 */
import type { Server, Socket } from 'node:net';
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../core/log.js';
import { LogThrottle } from '../../core/log-throttle.js';
import type { Drain } from '../drain.js';
import type { inboundSessionCloseReasons } from '../metrics/tunnel-metrics.js';
import { spiffeId, type CertificateProvider, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { authorizeInbound } from '../stack/authorize-inbound.js';
import { connectPod } from '../stack/connect-pod.js';
import { trackAuthorized } from '../stack/track-authorized.js';
import { inspectInbound } from '../stack/inspect-inbound.js';
import { InboundHttp } from '../http/inbound-http.js';
import { defaultProtocolDetectTimeoutMs } from './outbound.js';
import { connectRequest } from '../stack/connect-request.js';
import { header, nextConnectionId, type InboundConnection, type TunnelPeer } from '../stack/connection.js';
import { forward } from '../stack/forward.js';
import { inboundDestination } from '../stack/inbound-destination.js';
import { inboundSource } from '../stack/inbound-source.js';
import { buildStack, type Handler } from '../stack/stack.js';
import { channels } from '../telemetry/events.js';
import { http2StreamEnd } from './copy-duplex.js';
import {
  defaultInboundPort,
  defaultMaxStreamsPerSession,
  parseTunnelServerName,
  passThroughHeaders,
  streamWindowBytes,
  tlsVersions,
  type TraceHeaders,
} from './hbone.js';
import { admitSocket } from './connection-limits.js';
import { DialGate, type DialSession } from './dial-gate.js';
import { peerIdentity, workloadIdentity } from './peer-identity.js';
import { PingBarrier } from './ping-barrier.js';
import { listenOn } from '../system/port-reservation.js';
import { listenBacklog, type ListenerInputs } from './proxy-inputs.js';
import { RecentOffenders, resetsSuspect, resetsTooMany, type ResetRule } from './reset-rule.js';
import { TlsContexts } from './tls-context.js';
import { InboundRefusedError, PeerIdentityError, type InboundRefusalReason } from './tunnel-errors.js';

export type InboundInputs = ListenerInputs & { certificates: CertificateProvider };

export function inboundStack(inputs: InboundInputs, http: InboundHttp): Handler<InboundConnection> {
  const detectTimeoutMs = inputs.config.protocolDetectTimeoutMs ?? defaultProtocolDetectTimeoutMs;
  return buildStack<InboundConnection>(
    [
      connectRequest(), // a plain CONNECT to a pod ip:port
      inboundDestination(inputs), // a meshed pod of this node, of the identity this session serves
      inboundSource(inputs), // the source workload, if the claimed pod IP is of the proven identity
      authorizeInbound(inputs), // the destination's AuthorizationPolicies, before the pod is dialled
      inspectInbound({ ...inputs, http, detectTimeoutMs }), // where a policy reads HTTP: per request (or TCP if the bytes are not HTTP)
      connectPod(inputs), // dial the pod, then 200
      trackAuthorized(inputs), // re-checked when policies change
    ],
    forward, // copy both ways
  );
}

export interface InboundSessionStatus {
  sessionId: number;
  /** the peer's SPIFFE ID */
  peer: string;
  /** the SPIFFE ID our certificate carried */
  serves: string;
  address: string;
  certificateSerial: string;
  streams: number;
  /** streams the peer opened on it so far, and how many of them it reset before they were answered */
  opened: number;
  resets: number;
  establishedAt: string;
}

interface AcceptedSession extends TunnelPeer {
  establishedAt: Date;
  streams: number;
  /** streams the peer opened on it, and how many of those it reset before we answered (reset-rule.ts) */
  opened: number;
  resets: number;
  /** the highest stream id the peer opened, for our GOAWAY */
  lastStreamId: number;
  /** the reset rule this session is judged by (a stricter one for a peer lately closed by it) */
  rule: ResetRule;
  /** the peer node's address, the key of its dial cap and of its offences */
  peerIp: string;
  dials: DialSession;
  /** why we ended it, when we did */
  closing?: InboundSessionCloseReason;
}

/** Why an inbound session ended, the label of weft_tunnel_sessions_closed_total{direction="inbound"}. */
export type InboundSessionCloseReason = (typeof inboundSessionCloseReasons)[number];

/** A TLS handshake that has not finished by then is dropped. */
const handshakeTimeoutMs = 10_000;
/** Leaf certificates whose identity is remembered (peers x rotations, with room). */
const identityCacheSize = 256;
/** How long a session closed for its resets has between our GOAWAY and the end of its socket. */
const calmGraceMs = 250;
/** One warning per this long about sessions closed for their resets, with the count held back. */
const resetWarnIntervalMs = 10_000;

export class Inbound {
  readonly #server: Http2SecureServer;
  readonly #contexts: TlsContexts;
  readonly #stack: Handler<InboundConnection>;
  readonly #http: InboundHttp;
  readonly #log: Logger;
  readonly #sessions = new Map<ServerHttp2Session, AcceptedSession>();
  readonly #dials = new DialGate();
  /** Streams we reset ourselves: their 'aborted' is not the peer's reset. */
  readonly #ownResets = new WeakSet<ServerHttp2Stream>();
  readonly #resetWarnings = new LogThrottle(resetWarnIntervalMs);
  readonly #offenders = new RecentOffenders();
  readonly #identities = new Map<string, WorkloadIdentity>();
  #nextSessionId = 1;

  constructor(
    private readonly inputs: InboundInputs,
    private readonly drain: Drain,
  ) {
    this.#contexts = new TlsContexts(inputs.certificates);
    this.#http = new InboundHttp(inputs);
    this.#stack = inboundStack(inputs, this.#http);
    this.#log = inputs.inboundLog ?? inputs.log;
    this.#server = createSecureServer({
      ...tlsVersions,
      ca: inputs.certificates.trustBundlePem(),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: handshakeTimeoutMs,
      SNICallback: (servername, done) => {
        this.#serverContext(servername).then(
          (context) => done(null, context),
          (error: Error) => done(error),
        );
      },
      allowHTTP1: false,
      settings: {
        enablePush: false,
        maxConcurrentStreams: Math.max(inputs.config.tunnelMaxStreams ?? defaultMaxStreamsPerSession, defaultMaxStreamsPerSession),
        initialWindowSize: streamWindowBytes,
      },
    });
    this.#server.on('secureConnection', (socket: TLSSocket) => this.drain.track(socket));
    // Who connected, remembered on the raw socket: when verification fails Node has torn the
    // TLS socket down before 'tlsClientError', and its peer address is gone with it.
    this.#server.on('connection', (raw: Socket) => {
      if (!this.#admit(raw)) return;
      raw.setNoDelay(true); // as the client end of the tunnel (pool.ts): no Nagle delay on small frames
      peerAddresses.set(raw, `${raw.remoteAddress}:${raw.remotePort}`);
    });
    this.#server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      // A connection the limits closed is counted and logged as that, not once more as a failed handshake.
      if (limitedRaw.has((socket as TLSSocket & { _parent?: Socket })._parent as Socket)) return;
      const reason = error instanceof InboundRefusedError ? error.reason : 'tunnel_handshake_failed';
      // A chain that fails verification (expired, unknown CA) is dropped by Node after the handshake without
      // an error of its own; the verification result is on the socket.
      const detail = socket.authorizationError ? `the peer chain did not verify: ${socket.authorizationError}` : error.message;
      this.#refuse(reason, peerAddress(socket), detail);
    });
    this.#server.on('unknownProtocol', (socket: TLSSocket) => {
      this.#refuse('tunnel_not_http2', `${socket.remoteAddress}:${socket.remotePort}`, `ALPN '${socket.alpnProtocol}' is not h2`);
      socket.destroy();
    });
    this.#server.on('session', (session) => this.#accept(session));
    this.#server.on('stream', (stream, headers) => {
      const peer = this.#sessions.get(stream.session as ServerHttp2Session);
      if (!peer) {
        stream.close(); // a refused session's stream, in flight while it is torn down
        return;
      }
      peer.streams++;
      peer.opened++;
      peer.lastStreamId = Math.max(peer.lastStreamId, stream.id ?? 0);
      stream.once('close', () => peer.streams--);
      // A session destroyed with an error hands it to every open stream, one waiting for its dial too;
      // the session's own listener logs it, and a stream being copied has the copy's listeners as well.
      stream.on('error', () => undefined);
      // 'aborted' comes with the RST_STREAM itself, before the stream's 'close' and before any check of
      // ours: counted here, a flood is judged while it is still arriving.
      stream.once('aborted', () => this.#aborted(stream, peer));
      this.#handle(stream, headers, peer).catch((error) => {
        this.#log.error({ err: error, session: peer.sessionId }, 'inbound stream failed unexpectedly');
        this.#reset(stream, constants.NGHTTP2_INTERNAL_ERROR);
      });
    });
    drain.signal.addEventListener(
      'abort',
      () => {
        this.#server.close();
        this.#http.close();
        // GOAWAY: peers open no new streams here; open ones finish within the drain's grace.
        for (const session of this.#sessions.keys()) session.close();
      },
      { once: true },
    );
  }

  address(): { ip: string; port: number } {
    const bound = this.#server.address();
    const port = bound && typeof bound === 'object' ? bound.port : (this.inputs.config.inboundPort ?? defaultInboundPort);
    return { ip: this.inputs.config.nodeIp, port };
  }

  async run(reserved?: Server): Promise<void> {
    const port = this.inputs.config.inboundPort ?? defaultInboundPort;
    await listenOn(this.#server, reserved, { host: this.inputs.config.nodeIp, port, backlog: listenBacklog });
    this.#server.on('error', (error) => this.#log.error({ err: error }, 'inbound listener error'));
  }

  /**
   * The connection limits, before the handshake: every pod can reach this port, and a raw connection
   * holds a descriptor until its handshake times out, so one source gets its share and no more.
   */
  #admit(raw: Socket): boolean {
    const { limits, scope } = this.inputs;
    if (!limits) return true;
    const source = raw.remoteAddress ?? '';
    const refused = admitSocket(limits, raw, source, 1, (socket) => {
      limitedRaw.add(socket);
      socket.destroy();
    });
    if (refused && channels.connectionLimited.hasSubscribers) channels.connectionLimited.publish({ scope, listener: 'inbound', source, ...refused });
    return !refused;
  }

  /** For `weft status`: sessions from peer nodes, whom they proved to be and what they carry. */
  sessions(): InboundSessionStatus[] {
    return [...this.#sessions.values()].map((peer) => ({
      sessionId: peer.sessionId,
      peer: spiffeId(peer.identity),
      serves: spiffeId(peer.serverIdentity),
      address: peer.address,
      certificateSerial: peer.certificateSerial,
      streams: peer.streams,
      opened: peer.opened,
      resets: peer.resets,
      establishedAt: peer.establishedAt.toISOString(),
    }));
  }

  /** The certificate of the pod the SNI names: its workload's identity, current credential. */
  async #serverContext(servername: string) {
    const ip = parseTunnelServerName(servername);
    if (ip === undefined) {
      throw new InboundRefusedError('tunnel_unknown_server_name', 0, `server name '${servername}' names no pod`);
    }
    const { state, config, certificates } = this.inputs;
    const workload = state.localWorkload(config.nodeName, ip);
    if (!workload) {
      throw new InboundRefusedError('tunnel_destination_not_local', 0, `server name '${servername}': ${ip} is not a meshed workload on node ${config.nodeName}`);
    }
    return (await this.#contexts.forIdentity(workloadIdentity(workload, certificates.trustDomain))).context;
  }

  /** Runs before any stream of the session is read: a session that proves no acceptable identity never carries one. */
  #accept(session: ServerHttp2Session): void {
    const socket = session.socket as TLSSocket;
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    const { certificates, config, state, scope } = this.inputs;
    const log = this.#log;
    let peer: TunnelPeer;
    try {
      if (!socket.authorized) throw new PeerIdentityError(`the peer chain did not verify: ${socket.authorizationError}`);
      const certificate = socket.getPeerCertificate();
      const identity = this.#peerIdentity(certificate.raw, certificate.fingerprint256, certificates.trustDomain);
      const servedIp = parseTunnelServerName(typeof socket.servername === 'string' ? socket.servername : '');
      const served = servedIp === undefined ? undefined : state.localWorkload(config.nodeName, servedIp);
      if (!served) throw new PeerIdentityError(`the session's server name '${socket.servername}' no longer names a local workload`);
      peer = {
        sessionId: this.#nextSessionId++,
        identity,
        serverIdentity: workloadIdentity(served, certificates.trustDomain),
        address,
        certificateSerial: certificate.serialNumber,
      };
    } catch (error) {
      if (!(error instanceof PeerIdentityError)) throw error;
      this.#refuse('tunnel_peer_identity', address, error.message);
      session.destroy();
      return;
    }
    const barrier = new PingBarrier(session, config.connectTimeoutMs);
    const peerIp = socket.remoteAddress ?? address;
    // The peer node is its address: one node's sessions share the per-peer dial cap whatever identities they prove.
    const accepted: AcceptedSession = {
      ...peer,
      establishedAt: new Date(),
      streams: 0,
      opened: 0,
      resets: 0,
      lastStreamId: 0,
      rule: this.#offenders.ruleFor(peerIp),
      peerIp,
      dials: this.#dials.session(
        peerIp,
        () => resetsSuspect(accepted.opened, accepted.resets),
        () => barrier.wait(),
      ),
    };
    this.#sessions.set(session, accepted);
    if (channels.tunnelSessionOpen.hasSubscribers) channels.tunnelSessionOpen.publish({ scope, sessionId: peer.sessionId });
    session.on('error', (error) => {
      if (accepted.closing === 'rapid_reset') return; // our own GOAWAY's error, logged as such already
      accepted.closing ??= 'error';
      log.warn({ err: error, session: peer.sessionId, src: { addr: address } }, 'inbound tunnel session failed');
    });
    session.once('close', () => this.#closed(session, accepted));
    log.debug({ session: peer.sessionId, src: { principal: spiffeId(peer.identity), addr: address } }, 'inbound tunnel session accepted');
  }

  /** Once per session, whatever ended it; the count the gauge and `weft status` show must not outlive it. */
  #closed(session: ServerHttp2Session, peer: AcceptedSession): void {
    if (this.#sessions.get(session) !== peer) return;
    this.#sessions.delete(session);
    peer.dials.close();
    const reason = peer.closing ?? (this.drain.signal.aborted ? 'drain' : 'peer');
    if (channels.tunnelSessionClose.hasSubscribers) channels.tunnelSessionClose.publish({ scope: this.inputs.scope, sessionId: peer.sessionId, reason });
  }

  /** A stream reset before it was answered, by the peer (not by us, not with its session). */
  #aborted(stream: ServerHttp2Stream, peer: AcceptedSession): void {
    const session = stream.session;
    if (stream.headersSent || this.#ownResets.has(stream) || !session || session.destroyed || peer.closing) return;
    peer.resets++;
    if (channels.tunnelStreamReset.hasSubscribers) channels.tunnelStreamReset.publish({ scope: this.inputs.scope, sessionId: peer.sessionId });
    if (resetsTooMany(peer.opened, peer.resets, peer.rule)) this.#calm(session as ServerHttp2Session, peer);
  }

  /** The CVE-2023-44487 rule (reset-rule.ts): GOAWAY ENHANCE_YOUR_CALM, and the session is gone. */
  #calm(session: ServerHttp2Session, peer: AcceptedSession): void {
    peer.closing = 'rapid_reset';
    this.#offenders.add(peer.peerIp);
    const held = this.#resetWarnings.take('rapid_reset');
    if (held !== undefined) {
      this.#log.warn(
        {
          session: peer.sessionId,
          src: { principal: spiffeId(peer.identity), addr: peer.address },
          opened: peer.opened,
          resets: peer.resets,
          rule: peer.rule,
          ...(held > 0 ? { alsoClosedSinceLastWarning: held } : {}),
        },
        'inbound tunnel session reset most of its streams: closed',
      );
    }
    // GOAWAY first and the socket a moment later: a flooder is still sending, and a socket closed with
    // its bytes unread answers them with a TCP RST, which makes the peer's kernel drop the GOAWAY unread.
    // Meanwhile nghttp2 ignores streams past the GOAWAY's last stream and none of ours waits for a dial.
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, peer.lastStreamId);
    peer.dials.close();
    const timer = setTimeout(() => {
      // With an error: destroy(undefined, code) would take its default first argument, NO_ERROR, as the code.
      if (!session.destroyed) session.destroy(new Error(`session ${peer.sessionId} reset ${peer.resets} of its ${peer.opened} streams`), constants.NGHTTP2_ENHANCE_YOUR_CALM);
    }, calmGraceMs);
    timer.unref();
    session.once('close', () => clearTimeout(timer));
  }

  #reset(stream: ServerHttp2Stream, code: number): void {
    if (stream.destroyed) return;
    this.#ownResets.add(stream);
    stream.close(code);
  }

  /**
   * peerIdentity() parses the leaf in JS, ~3 ms of this event loop per session; a peer node opens
   * its sessions with a handful of certificates, and a flooder that comes back session after session
   * with one certificate would otherwise buy those milliseconds from every bystander each time.
   * Keyed by the SHA-256 of the DER, which TLS has verified by now; only successes are kept.
   */
  #peerIdentity(der: Buffer, fingerprint: string, trustDomain: string): WorkloadIdentity {
    const key = `${trustDomain} ${fingerprint}`;
    const known = this.#identities.get(key);
    if (known) return known;
    const identity = peerIdentity(der, trustDomain);
    this.#identities.set(key, identity);
    if (this.#identities.size > identityCacheSize) this.#identities.delete(this.#identities.keys().next().value!);
    return identity;
  }

  #refuse(reason: InboundRefusalReason, address: string, detail: string): void {
    if (channels.tunnelRefused.hasSubscribers) channels.tunnelRefused.publish({ scope: this.inputs.scope, reason });
    this.#log.warn({ reason, src: { addr: address }, detail }, 'inbound tunnel refused');
  }

  /** One CONNECT stream of an authenticated session; the stack's edge: a refusal from any layer ends here. */
  async #handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, peer: AcceptedSession): Promise<void> {
    const trace: TraceHeaders = {};
    for (const name of passThroughHeaders) {
      const value = header(headers, name);
      if (value !== undefined) trace[name] = value;
    }
    const connection: InboundConnection = {
      direction: 'inbound',
      id: nextConnectionId(),
      scope: this.inputs.scope,
      startedAt: performance.now(),
      stream,
      headers,
      peer,
      authority: header(headers, ':authority') ?? '',
      trace,
      dials: peer.dials,
      // The tunnel stream is the source's side: bytes it sends are the ones the source workload sent.
      downstream: http2StreamEnd(stream),
    };
    try {
      await this.#stack(connection);
    } catch (error) {
      if (!(error instanceof InboundRefusedError)) throw error;
      if (channels.connectionRefused.hasSubscribers) channels.connectionRefused.publish({ scope: connection.scope, connection, error });
      if (stream.destroyed || stream.headersSent) return;
      if (error.resetCode !== undefined) this.#reset(stream, error.resetCode);
      else stream.respond({ ':status': error.status }, { endStream: true });
    }
  }
}

const peerAddresses = new WeakMap<Socket, string>();
/** Raw connections the connection limits closed before their handshake. */
const limitedRaw = new WeakSet<Socket>();

/** The client's address, from the TLS socket or, once that is torn down, the raw socket under it. */
function peerAddress(socket: TLSSocket): string {
  if (socket.remoteAddress) return `${socket.remoteAddress}:${socket.remotePort}`;
  const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
  return (raw && peerAddresses.get(raw)) ?? 'unknown';
}
