/**
 * The outbound listener (port 15001): every connect a meshed pod makes to a
 * meshed destination arrives here. The listener only accepts: it makes the
 * connection object and runs it down the stack below; a refusal from any
 * layer is published and resets the client. The copy is byte for byte:
 * headers such as W3C traceparent and baggage reach the destination as the
 * client sent them, through the tunnel too.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { stripMapped } from '../datapath/map-codec.js';
import type { Drain } from '../drain.js';
import { balance } from '../stack/balance.js';
import { connect } from '../stack/connect.js';
import { nextConnectionId, type OutboundConnection } from '../stack/connection.js';
import { destination } from '../stack/destination.js';
import { chooseProtocol } from '../stack/choose-protocol.js';
import { detectProtocol } from '../stack/detect-protocol.js';
import { HttpTermination } from '../http/http-termination.js';
import { InboundHttp } from '../http/inbound-http.js';
import { inspectLocal } from '../stack/inspect-local.js';
import { trackAuthorized } from '../stack/track-authorized.js';
import { RequestPath } from '../http/request-path.js';
import { UpstreamPool } from '../http/upstream-pool.js';
import { forward } from '../stack/forward.js';
import { originalDestination } from '../stack/original-destination.js';
import { sourceWorkload } from '../stack/source-workload.js';
import { buildStack, type Handler } from '../stack/stack.js';
import { channels } from '../telemetry/events.js';
import { socketEnd } from './copy-duplex.js';
import { listenOn } from '../system/port-reservation.js';
import { admitSocket } from './connection-limits.js';
import { listenBacklog, type ListenerInputs } from './proxy-inputs.js';
import { ConnectionRefusedError } from './proxy-errors.js';

/** How long a connection to a Service port that declares no protocol waits for the client's first bytes before it is TCP. */
export const defaultProtocolDetectTimeoutMs = 1000;
/** A pooled upstream HTTP connection unused this long is closed: under Node's own keep-alive timeout (5 s),
 * the commonest server's, so the proxy lets go of a connection before the pod does, not while reusing it. */
const upstreamIdleTimeoutMs = 4_000;

export function outboundStack(inputs: ListenerInputs, http: HttpTermination, localHttp: InboundHttp): Handler<OutboundConnection> {
  const detectTimeoutMs = inputs.config.protocolDetectTimeoutMs ?? defaultProtocolDetectTimeoutMs;
  return buildStack<OutboundConnection>(
    [
      originalDestination(inputs), // where the app dialled, from the datapath
      sourceWorkload(inputs), // who dialled, from its cgroup
      destination(inputs), // what that address is in the mesh
      // authorize(inputs): policy on (source, destination) goes here, before anything is dialled
      chooseProtocol({ detectTimeoutMs, state: inputs.state }, (connection) => http.serveReported(connection, connection.http!.client)), // HTTP: per request from here on
      detectProtocol(), // TCP: watch for HTTP/1 anyway, for telemetry (a pod dialled by its IP)
      balance(), // the endpoints in the order to try
      inspectLocal({ ...inputs, http: localHttp, detectTimeoutMs }), // a pod of this node whose policies read HTTP: per request
      connect(inputs), // direct to a pod of this node, else a CONNECT stream on the tunnel pool
      trackAuthorized(inputs), // to a pod of this node: re-checked when policies change
    ],
    forward, // copy both ways
  );
}

export class Outbound {
  readonly #server: Server;
  readonly #stack: Handler<OutboundConnection>;
  readonly #upstreams: UpstreamPool;
  readonly #http: HttpTermination;
  readonly #localHttp: InboundHttp;

  constructor(
    private readonly inputs: ListenerInputs,
    private readonly drain: Drain,
  ) {
    this.#upstreams = new UpstreamPool(inputs, { idleTimeoutMs: upstreamIdleTimeoutMs });
    this.#http = new HttpTermination(new RequestPath(inputs, this.#upstreams));
    this.#localHttp = new InboundHttp(inputs);
    this.#stack = outboundStack(inputs, this.#http, this.#localHttp);
    this.#server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
      if (!this.#admit(socket)) return;
      this.drain.track(socket);
      this.#handle(socket).catch((error) => {
        this.inputs.log.error({ err: error }, 'outbound connection failed unexpectedly');
        socket.resetAndDestroy();
      });
    });
    drain.signal.addEventListener(
      'abort',
      () => {
        this.#server.close();
        this.#http.close();
        this.#localHttp.close();
        this.#upstreams.close();
      },
      { once: true },
    );
  }

  address(): { ip: string; port: number } {
    const bound = this.#server.address();
    const port = bound && typeof bound === 'object' ? bound.port : this.inputs.config.outboundPort;
    return { ip: this.inputs.config.nodeIp, port };
  }

  async run(reserved?: Server): Promise<void> {
    const { nodeIp: host, outboundPort: port } = this.inputs.config;
    await listenOn(this.#server, reserved, { host, port, backlog: listenBacklog });
    this.#server.on('error', (error) => this.inputs.log.error({ err: error }, 'outbound listener error'));
  }

  /** The connection limits, on accept: a refusal costs a reset and a counter, nothing else. */
  #admit(socket: Socket): boolean {
    const { limits, scope } = this.inputs;
    if (!limits) return true;
    const source = stripMapped(socket.remoteAddress ?? '');
    // Two descriptors: the pod's side, and the upstream (a pod here, or a stream of a pooled tunnel).
    const refused = admitSocket(limits, socket, source, 2, (s) => s.resetAndDestroy());
    if (refused && channels.connectionLimited.hasSubscribers) channels.connectionLimited.publish({ scope, listener: 'outbound', source, ...refused });
    return !refused;
  }

  /** The stack's edge: a refusal from any layer ends here. */
  async #handle(socket: Socket): Promise<void> {
    const connection: OutboundConnection = {
      direction: 'outbound',
      id: nextConnectionId(),
      scope: this.inputs.scope,
      startedAt: performance.now(),
      socket,
      peer: { ip: stripMapped(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
      downstream: socketEnd(socket),
    };
    try {
      await this.#stack(connection);
    } catch (error) {
      if (!(error instanceof ConnectionRefusedError)) throw error;
      if (channels.connectionRefused.hasSubscribers) channels.connectionRefused.publish({ scope: connection.scope, connection, error });
      socket.resetAndDestroy();
    }
  }
}
