/**
 * Every event the proxy publishes, in one table (as undici's
 * lib/core/diagnostics.js). Listeners and layers publish; the subscribers in
 * this folder record metrics and access log lines, and anything else in the
 * process (a tracer, a test) may subscribe by name. A publisher checks
 * `hasSubscribers` first, so an event nobody reads costs one property read.
 *
 * Channels are process-wide; several proxies in one process (the in-process
 * testbed) are told apart by each message's `scope`.
 */
import { channel } from 'node:diagnostics_channel';
import type { Connection, InboundConnection, OutboundConnection } from '../stack/connection.js';
import type { CopySide } from '../proxy/copy-duplex.js';
import type { ObservedRequest } from '../proxy/http-observer.js';
import type { HttpExchange as TerminatedExchange } from '../http/exchange.js';
import type { LimitReason } from '../proxy/connection-limits.js';
import type { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import type { InboundSessionCloseReason } from '../proxy/inbound.js';
import type { InboundRefusalReason, InboundRefusedError } from '../proxy/tunnel-errors.js';
import type { Workload } from '../../model/types.js';
import type { AuthzRequest } from '../authz/authz-request.js';
import type { AuthzDecision } from '../authz/decision.js';
import type { AuthorizationPath } from '../stack/authorization.js';

/** Which proxy an event is from; one per Proxy hub (or per half-node of the testbed). */
export type TelemetryScope = symbol;

export interface ConnectionOpen {
  scope: TelemetryScope;
  connection: Connection;
}
/** `connection.result` holds the bytes each way and the copy's error. */
export interface ConnectionClose {
  scope: TelemetryScope;
  connection: Connection;
}
export type ConnectionRefused =
  | { scope: TelemetryScope; connection: OutboundConnection; error: ConnectionRefusedError }
  | { scope: TelemetryScope; connection: InboundConnection; error: InboundRefusedError };
export interface HttpRequest {
  scope: TelemetryScope;
  connection: OutboundConnection;
  request: ObservedRequest;
}
/** One request the proxy terminated, routed and answered (or answered itself), once its response is done. */
export interface HttpExchange {
  scope: TelemetryScope;
  exchange: TerminatedExchange;
}
export interface HttpObserveError {
  scope: TelemetryScope;
  connection: OutboundConnection;
  error: Error;
  side: CopySide;
}
/** An inbound tunnel session accepted or closed (a peer node proxy); a close says why. */
export interface TunnelSession {
  scope: TelemetryScope;
  sessionId: number;
  reason?: InboundSessionCloseReason;
}
/** The peer reset an inbound CONNECT stream before it was answered. */
export interface TunnelStreamReset {
  scope: TelemetryScope;
  sessionId: number;
}
/** A handshake or session the inbound listener turned away before any stream. */
export interface TunnelRefused {
  scope: TelemetryScope;
  reason: InboundRefusalReason;
}

/** A connection turned away on accept, before any work, because a limit of connection-limits.ts was reached. */
export interface ConnectionLimited {
  scope: TelemetryScope;
  listener: 'outbound' | 'inbound';
  reason: LimitReason;
  /** the source's IP */
  source: string;
  /** the limit reached (connections per source, or descriptors) */
  limit: number;
}

/** An authorization decision on a workload some policy selects (agent/stack/authorization.ts). */
export interface AuthorizationDecided {
  scope: TelemetryScope;
  /** the destination workload */
  workload: Workload;
  request: AuthzRequest;
  decision: AuthzDecision;
  path: AuthorizationPath;
}

/** A channel whose messages have one type. */
export interface Channel<M> {
  readonly hasSubscribers: boolean;
  publish(message: M): void;
  subscribe(onMessage: (message: M) => void): void;
  unsubscribe(onMessage: (message: M) => void): boolean;
}

function typed<M>(name: string): Channel<M> {
  return channel(name) as unknown as Channel<M>;
}

export const channels = {
  /** connected upstream, before the first byte is copied */
  connectionOpen: typed<ConnectionOpen>('weft:connection:open'),
  /** the copy ended both ways */
  connectionClose: typed<ConnectionClose>('weft:connection:close'),
  /** a layer refused it; nothing was copied */
  connectionRefused: typed<ConnectionRefused>('weft:connection:refused'),
  /** refused on accept by a connection limit; published for each, logged at most once per interval */
  connectionLimited: typed<ConnectionLimited>('weft:connection:limited'),
  /** one HTTP/1 request and its response, seen by the observer */
  httpRequest: typed<HttpRequest>('weft:http:request'),
  /** one terminated HTTP request (the proxy parsed, routed and forwarded it), once its response is done */
  httpExchange: typed<HttpExchange>('weft:http:exchange'),
  /** the observer gave up on a connection; the copy went on */
  httpObserveError: typed<HttpObserveError>('weft:http:observe-error'),
  /** a decision on a connection or request to a workload some AuthorizationPolicy selects */
  authorizationDecision: typed<AuthorizationDecided>('weft:authz:decision'),
  tunnelSessionOpen: typed<TunnelSession>('weft:tunnel:session-open'),
  tunnelSessionClose: typed<TunnelSession>('weft:tunnel:session-close'),
  tunnelRefused: typed<TunnelRefused>('weft:tunnel:refused'),
  /** an inbound stream reset by the peer before its answer (the rapid-reset rule counts these) */
  tunnelStreamReset: typed<TunnelStreamReset>('weft:tunnel:stream-reset'),
} as const;
