/**
 * Where HTTP is terminated: an HTTP/1.1 server (Node's llhttp) and an h2c
 * server (node:http2, compatibility API) that never listen; the outbound
 * listener hands them each client socket whose first bytes said HTTP. They
 * give keep-alive, pipelining (answered in order), chunked bodies,
 * `Expect: 100-continue` (answered by the proxy, as Envoy does) and h2
 * streams with trailers; every request goes down the request path, and an
 * upgrade (WebSocket) is routed, then passed through (upgrade.ts).
 */
import { createServer as createHttp1Server, type IncomingMessage, type Server as Http1Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { OutboundConnection } from '../stack/connection.js';
import { channels } from '../telemetry/events.js';
import type { DownstreamResponse } from './exchange.js';
import type { ClientProtocol, RequestPath } from './request-path.js';

/** A client that sends no request for this long on a kept-alive connection is closed (Envoy's idle timeout is 1 h; pods reconnect cheaply). */
const keepAliveTimeoutMs = 60_000;

export class HttpTermination {
  readonly #http1: Http1Server;
  readonly #http2: Http2Server;
  readonly #connections = new WeakMap<Socket | Http2Session, OutboundConnection>();
  /** the open h2c sessions, told to go away when the proxy drains */
  readonly #sessions = new Set<Http2Session>();
  /** HTTP/1.1 responses in flight: when the proxy drains, each closes its connection once done */
  readonly #inFlight = new Set<ServerResponse>();
  #draining = false;
  /** set while a socket is handed to the h2 server, which makes its session synchronously */
  #handing: OutboundConnection | undefined;

  constructor(private readonly path: RequestPath) {
    this.#http1 = createHttp1Server({ keepAliveTimeout: keepAliveTimeoutMs, requestTimeout: 0, headersTimeout: 60_000 }, (request, response) =>
      this.#onHttp1(request, response),
    );
    this.#http1.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      const connection = this.#connections.get(socket);
      if (!connection) return void socket.destroy();
      path.upgrade(connection, request, socket, head).catch(() => socket.destroy());
    });
    this.#http2 = createHttp2Server({}, (request, response) => this.#onHttp2(request, response));
    this.#http2.on('session', (session: Http2Session) => {
      if (this.#handing) this.#connections.set(session, this.#handing);
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /**
   * Serves the connection's requests until the client's connection closes.
   * The connection itself is reported as any proxied one (istio_tcp_*, its
   * `connection complete` line: the bytes the client sent and received),
   * as ztunnel reports the connections it hands to a waypoint; each request
   * is reported on its own (istio_requests_total, `request complete`).
   */
  async serveReported(connection: OutboundConnection, protocol: ClientProtocol): Promise<void> {
    const { scope, socket } = connection;
    if (channels.connectionOpen.hasSubscribers) channels.connectionOpen.publish({ scope, connection });
    await this.#serve(connection, protocol);
    connection.result = { sent: socket.bytesRead, received: socket.bytesWritten };
    if (channels.connectionClose.hasSubscribers) channels.connectionClose.publish({ scope, connection });
  }

  #serve(connection: OutboundConnection, protocol: ClientProtocol): Promise<void> {
    const { socket } = connection;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (protocol === 'http1') {
      this.#connections.set(socket, connection);
      this.#http1.emit('connection', socket);
    } else {
      this.#handing = connection;
      try {
        this.#http2.emit('connection', socket);
      } finally {
        this.#handing = undefined;
      }
    }
    return closed;
  }

  #onHttp1(request: IncomingMessage, response: ServerResponse): void {
    const connection = this.#connections.get(request.socket);
    if (!connection) return void response.destroy();
    if (this.#draining) response.shouldKeepAlive = false;
    this.#inFlight.add(response);
    response.once('close', () => this.#inFlight.delete(response));
    void this.path.handle(connection, 'http1', request, response as unknown as DownstreamResponse);
  }

  #onHttp2(request: Http2ServerRequest, response: Http2ServerResponse): void {
    const connection = this.#connections.get(request.stream.session!);
    if (!connection) return void response.stream.close();
    void this.path.handle(connection, 'http2', request, response as unknown as DownstreamResponse);
  }

  /**
   * The drain began: idle kept-alive connections close now, h2c sessions get
   * a GOAWAY (their streams in flight finish), and requests in flight run
   * to their end; the drain's deadline (drain.ts) cuts whatever is left.
   */
  close(): void {
    this.#draining = true;
    this.#http1.closeIdleConnections();
    // Node keeps a kept-alive connection open after a response in flight at close(): say Connection: close, or end it once done.
    for (const response of this.#inFlight) {
      if (!response.headersSent) response.shouldKeepAlive = false;
      else response.once('finish', () => response.socket?.end());
    }
    for (const session of this.#sessions) session.close();
  }
}
