/**
 * One proxied connection as the stack sees it: the listener creates it with
 * what the accept gave, each layer fills one field, telemetry reads it from
 * the events (agent/telemetry/events.ts). Plain objects, so a layer costs a
 * property write and nothing per byte.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { WorkloadIdentity } from '../../core/spiffe-id.js';
import type { AuthzRequest } from '../authz/authz-request.js';
import type { AuthorizationPath } from './authorization.js';
import type { Workload } from '../../model/types.js';
import type { PortProtocol } from '../../model/port-protocol.js';
import type { OriginalDestination } from '../datapath/map-codec.js';
import type { CopyEnd, CopyResult } from '../proxy/copy-duplex.js';
import type { DialSession } from '../proxy/dial-gate.js';
import type { TraceHeaders } from '../proxy/hbone.js';
import type { HttpObserver } from '../proxy/http-observer.js';
import type { Destination, Endpoint } from '../state/destination.js';
import type { TelemetryScope } from '../telemetry/events.js';

/** What both directions share: who it is, and the two byte streams the forward layer joins. */
interface ConnectionBase {
  readonly id: number;
  /** the proxy it belongs to, for subscribers when several proxies share a process (tests) */
  readonly scope: TelemetryScope;
  /** performance.now() at accept */
  readonly startedAt: number;
  readonly downstream: CopyEnd;
  /** connect: the destination's byte stream */
  upstream?: CopyEnd;
  /** forward: bytes each way and how the copy ended */
  result?: CopyResult;
  /** authorization: what was decided for a connection to a pod of this node (re-checked when policies change) */
  authorization?: { request: AuthzRequest; path: AuthorizationPath };
}

/** Set when the endpoint was reached through the tunnel to its node. */
export interface TunnelUse {
  node: string;
  addr: string;
  session: number;
}

export interface OutboundConnection extends ConnectionBase {
  readonly direction: 'outbound';
  readonly socket: Socket;
  readonly peer: { ip: string; port: number };
  /** original-destination: where the app dialled (the datapath's record) */
  original?: OriginalDestination;
  /** source-workload: the local workload whose cgroup dialled */
  source?: Workload;
  /** destination: what the original destination means in the mesh */
  destination?: Destination;
  /** detect-protocol: the HTTP/1 observer that sniffs the first bytes (absent: plain TCP, nothing listens for requests) */
  protocol?: HttpObserver;
  /** choose-protocol: the Service port's declared protocol and what the client speaks, when it is HTTP (terminated) */
  http?: { declared: PortProtocol; client: 'http1' | 'http2' };
  /** balance: endpoints in the order to try them */
  candidates?: Endpoint[];
  /** connect: the endpoint that answered */
  endpoint?: Endpoint;
  /** connect: the tunnel stream's session, when the endpoint is on another node */
  tunnel?: TunnelUse;
}

/** What the handshake established about a tunnel session. */
export interface TunnelPeer {
  sessionId: number;
  /** the client's identity, proven by its certificate */
  identity: WorkloadIdentity;
  /** the identity our server certificate carried (the SNI's workload) */
  serverIdentity: WorkloadIdentity;
  /** the peer node proxy's ip:port */
  address: string;
  certificateSerial: string;
}

/** The destination of an inbound CONNECT: a meshed workload of this node, by the identity the session serves. */
export interface LocalDestination {
  workload: Workload;
  identity: WorkloadIdentity;
  port: number;
}

export interface InboundConnection extends ConnectionBase {
  readonly direction: 'inbound';
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly peer: TunnelPeer;
  /** the CONNECT's :authority, as sent */
  readonly authority: string;
  /** trace context the CONNECT carried, logged as is */
  readonly trace: TraceHeaders;
  /** the session's share of the listener's dial caps (dial-gate.ts); without one the pod is dialled at once */
  readonly dials?: DialSession;
  /** connect-request: the pod ip:port the CONNECT names */
  target?: { ip: string; port: number };
  /** inbound-destination: the local pod the CONNECT names, checked */
  destination?: LocalDestination;
  /** inbound-source: the source workload, when the pod IP the peer claims is of the proven identity */
  source?: Workload;
  /** authorize-inbound: the caller as policies see it, set when the decision waits for the requests (a policy reads HTTP) */
  caller?: AuthzRequest['source'];
}

/** A plaintext connection to a pod of this node from outside the mesh, captured in the pod's namespace (inbound-capture.ts). */
export interface CapturedConnection extends ConnectionBase {
  readonly direction: 'captured';
  readonly socket: Socket;
  /** the caller, as the pod would have seen it */
  readonly peer: { ip: string; port: number };
  /** the pod and the port the caller dialled */
  readonly destination: { workload: Workload; port: number };
}

export type Connection = OutboundConnection | InboundConnection | CapturedConnection;

let lastId = 0;
/** Unique in the process, for log lines and subscribers. */
export function nextConnectionId(): number {
  return ++lastId;
}

/** One value of a request header (HTTP/2 gives arrays for repeated ones). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
