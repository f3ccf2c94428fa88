/**
 * HTTP at the destination, only where a policy needs it: when an
 * AuthorizationPolicy of the destination workload reads methods, paths,
 * hosts or headers, the proxy that delivers to the pod (the tunnel's end, or
 * the capture of plaintext callers) parses the caller's requests with Node's
 * own servers, decides each one on the normalised view (the same view is
 * forwarded), answers a denied one 403 `RBAC: access denied` (gRPC:
 * PERMISSION_DENIED), and sends an allowed one to the pod over a pooled
 * connection from the node IP. Workloads no such policy selects never come
 * here: their bytes are copied as they are.
 */
import { createServer as createHttp1Server, type IncomingMessage, type Server as Http1Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Workload } from '../../model/types.js';
import type { AuthzRequest } from '../authz/authz-request.js';
import { defaultPathNormalization } from '../authz/normalize-path.js';
import type { ListenerInputs } from '../proxy/proxy-inputs.js';
import { authorize, type AuthorizationPath } from '../stack/authorization.js';
import { accessDenied, httpAttributes } from './authorize-request.js';
import type { DownstreamRequest, DownstreamResponse, ExchangeCore } from './exchange.js';
import { sendLocalReply } from './local-reply.js';
import { requestView } from './request-view.js';
import { sendUpstream } from './send-upstream.js';
import { UpstreamPool } from './upstream-pool.js';

/** Who is calling which pod port, as the connection established it. */
export interface InboundCaller {
  source: AuthzRequest['source'];
  /** the source workload, when the caller is one we know (telemetry only) */
  sourceWorkload?: Workload;
  destination: Workload;
  port: number;
  path: AuthorizationPath;
}

const keepAliveTimeoutMs = 60_000;
/** Under the pods' own keep-alive (Node's 5 s), as on the source side. */
const upstreamIdleTimeoutMs = 4_000;

export class InboundHttp {
  readonly #http1: Http1Server;
  readonly #http2: Http2Server;
  readonly #callers = new WeakMap<Duplex | Http2Session, InboundCaller>();
  readonly #pool: UpstreamPool;
  readonly #sessions = new Set<Http2Session>();
  #handing: InboundCaller | undefined;

  constructor(private readonly inputs: ListenerInputs) {
    this.#pool = new UpstreamPool(inputs, { idleTimeoutMs: upstreamIdleTimeoutMs });
    this.#http1 = createHttp1Server({ keepAliveTimeout: keepAliveTimeoutMs, requestTimeout: 0, headersTimeout: 60_000 }, (request, response) => {
      const caller = this.#callers.get(request.socket as Duplex);
      if (!caller) return void response.destroy();
      void this.#handle(caller, 'http1', request, response);
    });
    // An upgrade (WebSocket) cannot be checked request by request past its first: refused here, as a sidecar with an L7 policy would not see it either.
    this.#http1.on('upgrade', (_request: IncomingMessage, socket: Duplex) => socket.destroy());
    this.#http2 = createHttp2Server({}, (request, response) => {
      const caller = this.#callers.get(request.stream.session!);
      if (!caller) return void response.stream.close();
      void this.#handle(caller, 'http2', request, response);
    });
    this.#http2.on('session', (session: Http2Session) => {
      if (this.#handing) this.#callers.set(session, this.#handing);
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** Serves the caller's requests on `stream` until it closes. */
  serve(stream: Duplex, caller: InboundCaller, protocol: 'http1' | 'http2'): Promise<void> {
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    if (protocol === 'http1') {
      this.#callers.set(stream, caller);
      this.#http1.emit('connection', stream);
    } else {
      this.#handing = caller;
      try {
        this.#http2.emit('connection', stream);
      } finally {
        this.#handing = undefined;
      }
    }
    return closed;
  }

  async #handle(caller: InboundCaller, protocol: 'http1' | 'http2', request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): Promise<void> {
    const downstream = { request: request as unknown as DownstreamRequest, response: response as unknown as DownstreamResponse };
    const parsed = requestView(downstream.request, this.inputs.config.pathNormalization ?? defaultPathNormalization);
    const exchange: ExchangeCore = {
      connection: { source: caller.sourceWorkload },
      downstream,
      request: 'rejected' in parsed ? { method: request.method ?? 'GET', path: request.url ?? '', query: '', headers: {} } : parsed,
      grpc: String(request.headers['content-type'] ?? '').startsWith('application/grpc'),
      flags: '-',
      requestBodyBytes: 0,
      responseBodyBytes: 0,
    };
    if ('rejected' in parsed) return sendLocalReply(exchange, { status: 400, flags: '-', message: `bad request target: ${parsed.rejected}` });
    const { destination: workload, port } = caller;
    const authzRequest = { source: caller.source, destination: { ip: workload.ip, port }, http: httpAttributes(parsed) };
    if (!authorize(this.inputs, workload, authzRequest, caller.path).allowed) return sendLocalReply(exchange, accessDenied);
    // A request in flight (a stream, a long poll) is re-checked when policies change, as a connection is.
    const untrack = this.inputs.authorized?.track({ request: authzRequest, path: caller.path, close: () => downstream.response.destroy() });
    downstream.response.once('close', () => untrack?.());
    try {
      const outcome = await sendUpstream(exchange, this.#pool, { workload, ip: workload.ip, port }, protocol, { responseHeaders: [] });
      if (outcome.result === 'connect' || outcome.result === 'reset') {
        sendLocalReply(exchange, { status: 503, flags: outcome.result === 'reset' ? 'UC' : 'UF', message: `upstream connect error or disconnect/reset before headers: ${outcome.error.message}` });
      }
    } catch (error) {
      sendLocalReply(exchange, { status: 500, flags: '-', message: `proxy error: ${(error as Error).message}` });
    }
  }

  /** The drain: idle connections close, h2 sessions get a GOAWAY, pooled upstreams go. */
  close(): void {
    this.#http1.closeIdleConnections();
    for (const session of this.#sessions) session.close();
    this.#pool.close();
  }
}
