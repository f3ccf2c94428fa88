/**
 * Failures of the tunnel between node proxies, each with a stable code. The
 * reason strings are labels of weft_connections_refused_total and of the
 * refusal log lines, alongside the outbound listener's reasons.
 */
import { WeftError } from '../../core/errors.js';

/** The peer's certificate does not prove an acceptable SPIFFE identity (or not the expected one). */
export class PeerIdentityError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_PEER_IDENTITY', message, options);
  }
}

/** The tunnel to a peer node could not be opened: TLS, HTTP/2, timeout, or the session died. */
export class TunnelConnectError extends WeftError {
  constructor(readonly target: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_TUNNEL_CONNECT', message, options);
  }
}

/** The peer node's proxy answered the CONNECT with something other than 200. */
export class TunnelRefusedError extends WeftError {
  constructor(readonly target: string, readonly status: number, message: string) {
    super('WEFT_ERR_TUNNEL_REFUSED', message);
  }
}

/** Why the inbound side turned a handshake or a CONNECT stream away. */
export type InboundRefusalReason =
  | 'tunnel_handshake_failed'
  | 'tunnel_unknown_server_name'
  | 'tunnel_peer_identity'
  | 'tunnel_not_http2'
  | 'tunnel_bad_request'
  | 'tunnel_destination_not_local'
  | 'tunnel_misdirected'
  | 'tunnel_upstream_connect_failed'
  | 'tunnel_dial_queue_full'
  /** an AuthorizationPolicy of the destination workload denied the caller */
  | 'authorization_denied';

/** An inbound CONNECT the proxy answers with `status` instead of connecting, or resets with
 * `resetCode` when one is given (REFUSED_STREAM: not processed, the peer may retry). */
export class InboundRefusedError extends WeftError {
  readonly resetCode: number | undefined;
  constructor(readonly reason: InboundRefusalReason, readonly status: number, message: string, options: { resetCode?: number } = {}) {
    super('WEFT_ERR_INBOUND_REFUSED', message);
    this.resetCode = options.resetCode;
  }
}

/** A stream's session was closed (or judged a flooder) while the stream waited for a dial slot: it is not dialled. */
export class DialSessionClosedError extends WeftError {
  constructor() {
    super('WEFT_ERR_DIAL_SESSION_CLOSED', 'the tunnel session was closed while the stream waited for a dial slot');
  }
}
