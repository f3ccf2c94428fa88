/** The HBONE tunnels between node proxies: handshakes made (warm traffic makes none) and sessions open. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class TunnelMetrics {
  readonly handshakes: Counter<'result'>;
  /** outbound (pooled, to peers) and inbound (from peers) */
  readonly sessions: Gauge<'direction'>;

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
  }
}
