/** The HBONE tunnels between node proxies: handshakes made (warm traffic makes none) and sessions open. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why an inbound session ended (inbound.ts): the peer closed or went away, an error, our drain, the rapid-reset rule. */
export const inboundSessionCloseReasons = ['peer', 'error', 'drain', 'rapid_reset'] as const;

export class TunnelMetrics {
  readonly handshakes: Counter<'result'>;
  /** outbound (pooled, to peers) and inbound (from peers) */
  readonly sessions: Gauge<'direction'>;
  /** inbound for now: why each ended (peer, error, drain, rapid_reset) */
  readonly sessionsClosed: Counter<'direction' | 'reason'>;
  /** inbound CONNECT streams the peer reset before they were answered */
  readonly streamResets: Counter;

  constructor(registry: Registry) {
    this.handshakes = new Counter({
      name: 'weft_tunnel_handshakes_total',
      help: 'mTLS handshakes to peer node proxies (HBONE tunnel sessions opened), by result',
      labelNames: ['result'],
      registers: [registry],
    });
    this.sessions = new Gauge({
      name: 'weft_tunnel_sessions',
      help: 'Open HTTP/2 tunnel sessions, outbound (pooled, to peer nodes) and inbound (from peer nodes)',
      labelNames: ['direction'],
      registers: [registry],
    });
    this.sessionsClosed = new Counter({
      name: 'weft_tunnel_sessions_closed_total',
      help: 'Inbound HTTP/2 tunnel sessions closed, by reason: peer (it closed or went away), error, drain, rapid_reset (closed with GOAWAY ENHANCE_YOUR_CALM for resetting most of its streams)',
      labelNames: ['direction', 'reason'],
      registers: [registry],
    });
    // Every reason at 0 from the start: a rate() over a series that appears only with its first
    // increment misses that increment, and the first rapid_reset close is the one that matters.
    for (const reason of inboundSessionCloseReasons) this.sessionsClosed.inc({ direction: 'inbound', reason }, 0);
    this.streamResets = new Counter({
      name: 'weft_tunnel_stream_resets_total',
      help: 'Inbound tunnel CONNECT streams the peer reset before they were answered (HTTP/2 rapid reset counts here); such a stream is never dialled',
      registers: [registry],
    });
  }
}
