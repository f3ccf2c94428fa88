/**
 * Upstream HTTP connections, pooled per endpoint (and per source workload
 * when they ride the tunnel, whose CONNECT streams are the source's): an
 * HTTP/1.1 keep-alive agent, or one HTTP/2 session, over an endpoint
 * transport (endpoint-transport.ts). Once warm, a request costs no connect,
 * no TLS handshake and no new tunnel stream. Idle connections close after
 * `idleTimeoutMs`; a failed one is dropped and the next request opens
 * another.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Workload } from '../../model/types.js';
import { openEndpointTransport, viaTunnel, type TransportInputs } from '../proxy/endpoint-transport.js';
import type { TunnelUse } from '../stack/connection.js';
import type { Endpoint } from '../state/destination.js';

export type UpstreamProtocol = 'http1' | 'http2';

export interface UpstreamPoolOptions {
  idleTimeoutMs: number;
}

/** An HTTP/1.1 agent whose connections are endpoint transports, a socket or a tunnel stream. */
class TransportAgent extends Agent {
  /** the tunnel each pooled connection rides, for the request's telemetry */
  readonly tunnels = new WeakMap<Duplex, TunnelUse>();

  constructor(
    private readonly open: () => ReturnType<typeof openEndpointTransport>,
    idleTimeoutMs: number,
  ) {
    super({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, timeout: idleTimeoutMs, scheduling: 'lifo' });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.open().then(
      (transport) => {
        if (transport.kind === 'socket') return callback!(null, transport.socket);
        this.tunnels.set(transport.stream, transport.tunnel);
        // A CONNECT stream stays writable after the pod's end (HTTP/2 streams are half-open): once the
        // pod's server has closed its side the connection is done, and must leave the pool at once, or
        // the next request would be written into a connection nobody reads.
        transport.stream.once('end', () => transport.stream.destroy());
        callback!(null, transport.stream);
      },
      (error: Error) => callback!(error, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** The proxy drains: idle connections close now, each busy one once its response is done. */
  retire(): void {
    (this as unknown as { keepAlive: boolean }).keepAlive = false; // Node's Agent reads it per freed socket
    for (const sockets of Object.values(this.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }

  // A tunnel stream has no TCP keep-alive and no ref(): the tunnel session keeps itself alive.
  override keepSocketAlive(socket: Duplex & { setKeepAlive?: unknown }): boolean {
    if (typeof socket.setKeepAlive === 'function') return (super.keepSocketAlive(socket as never) as unknown as boolean) !== false;
    return true;
  }

  override reuseSocket(socket: Duplex & { ref?: unknown }, request: never): void {
    if (typeof socket.ref === 'function') super.reuseSocket(socket as never, request);
  }
}

interface Http2Entry {
  session: Promise<ClientHttp2Session>;
  tunnel?: TunnelUse;
  active: number;
  idleTimer?: NodeJS.Timeout;
}

export class UpstreamPool {
  readonly #agents = new Map<string, TransportAgent>();
  readonly #sessions = new Map<string, Http2Entry>();

  constructor(
    private readonly inputs: TransportInputs,
    private readonly options: UpstreamPoolOptions,
  ) {}

  #key(source: Workload | undefined, endpoint: Endpoint, protocol: UpstreamProtocol): string {
    // Through the tunnel the stream is the source's (its certificate, its IP in Forwarded); here, from the node IP, anyone's.
    const owner = viaTunnel(this.inputs, endpoint) && source ? `${source.namespace}/${source.name}@${source.ip}` : 'node';
    return `${protocol} ${owner} ${endpoint.ip}:${endpoint.port}`;
  }

  /** The HTTP/1.1 agent for this endpoint; `tunnelOf` tells a request's connection's tunnel once it has one. */
  http1(source: Workload | undefined, endpoint: Endpoint): { agent: Agent; tunnelOf(socket: Duplex): TunnelUse | undefined } {
    const key = this.#key(source, endpoint, 'http1');
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new TransportAgent(() => openEndpointTransport(this.inputs, source, endpoint), this.options.idleTimeoutMs);
      this.#agents.set(key, agent);
    }
    const used = agent;
    return { agent: used, tunnelOf: (socket) => used.tunnels.get(socket) };
  }

  /** An HTTP/2 session to this endpoint, shared by every request to it; `done` when a stream on it ends. */
  async http2(source: Workload | undefined, endpoint: Endpoint): Promise<{ session: ClientHttp2Session; tunnel?: TunnelUse; done(): void }> {
    const key = this.#key(source, endpoint, 'http2');
    let entry = this.#sessions.get(key);
    if (!entry) {
      const created: Http2Entry = { active: 0, session: this.#openSession(key, source, endpoint, () => created) };
      entry = created;
      this.#sessions.set(key, entry);
      created.session.catch(() => this.#sessions.get(key) === created && this.#sessions.delete(key));
    }
    const current = entry;
    current.active++;
    clearTimeout(current.idleTimer);
    let session: ClientHttp2Session;
    try {
      session = await current.session;
    } catch (error) {
      current.active--;
      throw error;
    }
    let released = false;
    return {
      session,
      tunnel: current.tunnel,
      done: () => {
        if (released) return;
        released = true;
        if (--current.active > 0) return;
        current.idleTimer = setTimeout(() => session.close(), this.options.idleTimeoutMs);
        current.idleTimer.unref();
      },
    };
  }

  async #openSession(key: string, source: Workload | undefined, endpoint: Endpoint, entry: () => Http2Entry): Promise<ClientHttp2Session> {
    const transport = await openEndpointTransport(this.inputs, source, endpoint);
    const duplex = transport.kind === 'socket' ? transport.socket : transport.stream;
    entry().tunnel = transport.tunnel;
    const session = connectHttp2(`http://${endpoint.ip}:${endpoint.port}`, { createConnection: () => duplex });
    const forget = () => {
      if (this.#sessions.get(key) === entry()) this.#sessions.delete(key);
    };
    // A session that fails takes its streams with it (they see the error); the next request opens another.
    session.on('error', forget);
    session.once('goaway', forget);
    session.once('close', () => {
      forget();
      if (!duplex.destroyed) duplex.destroy();
    });
    return session;
  }

  /**
   * The proxy drains: no connection is kept for another request, and none
   * in use is cut (HTTP/2 sessions get a GOAWAY and finish their streams);
   * whatever outlives the drain's deadline goes with its client's connection.
   */
  close(): void {
    for (const agent of this.#agents.values()) agent.retire();
    this.#agents.clear();
    for (const entry of this.#sessions.values()) {
      clearTimeout(entry.idleTimer);
      entry.session.then((session) => session.close(), () => undefined);
    }
    this.#sessions.clear();
  }
}
