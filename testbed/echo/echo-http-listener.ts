/**
 * One port for HTTP/1.1 and cleartext HTTP/2 with prior knowledge, as the
 * conformance echo serves them: the first bytes of a connection decide. The
 * 24-byte HTTP/2 client preface hands the connection to a node:http2 server,
 * anything else to a node:http server; neither is a parser of ours.
 *
 * node:http2 reads a net.Socket's handle directly and would miss the bytes the
 * sniff already read (an unshift() is lost on it), so an HTTP/2 connection
 * reaches it through a Duplex that replays them first; node:http reads what
 * was unshifted. The client's address travels beside the Duplex (peers).
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants as h2, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

export interface HttpExchange {
  req: IncomingMessage | Http2ServerRequest;
  res: ServerResponse | Http2ServerResponse;
  /** HTTP/1.0, HTTP/1.1 or HTTP/2 */
  protocol: string;
  /** Host, or :authority */
  host: string;
  /** the listener's port the request arrived on */
  port: number;
  clientAddress: string;
  clientPort: number;
  requestOnConnection: number;
  /** Fails the request below HTTP: an HTTP/1 connection is reset (TCP RST), an HTTP/2 stream gets RST_STREAM. */
  reset(): void;
  /** Resets the TCP connection, on either protocol. */
  resetConnection(): void;
}

interface Peer {
  socket: Socket;
  address: string;
  port: number;
  localPort: number;
  requests: number;
}

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** Bounds a connection the client forgot: nothing in a test idles this long. */
const idleTimeoutMs = 5 * 60_000;
/** Longer than any pause between a test's requests, so keep-alive reuse is the client's choice. */
const keepAliveTimeoutMs = 60_000;

/** Listens on 0.0.0.0:port (0: any); resolves with the port once listening. */
export async function listenHttp(port: number, onExchange: (exchange: HttpExchange) => void, warn: (message: string) => void): Promise<{ server: Server; port: number }> {
  const sockets = new WeakMap<Socket, Peer>();
  const sessions = new WeakMap<Http2Session, Peer>();
  let handingOver: Peer | undefined; // the HTTP/2 'session' event fires inside emit('connection')

  const http1 = createHttp1Server({ keepAliveTimeout: keepAliveTimeoutMs, requestTimeout: 0 }, (req, res) => {
    const peer = sockets.get(req.socket)!;
    onExchange({
      req,
      res,
      protocol: `HTTP/${req.httpVersion}`,
      host: req.headers.host ?? '',
      port: peer.localPort,
      clientAddress: peer.address,
      clientPort: peer.port,
      requestOnConnection: ++peer.requests,
      reset: () => req.socket.resetAndDestroy(),
      resetConnection: () => req.socket.resetAndDestroy(),
    });
  });
  const http2 = createHttp2Server({}, (req, res) => {
    const peer = sessions.get(req.stream.session!)!;
    onExchange({
      req,
      res,
      protocol: 'HTTP/2',
      host: req.headers[':authority'] ?? req.headers.host ?? '',
      port: peer.localPort,
      clientAddress: peer.address,
      clientPort: peer.port,
      requestOnConnection: ++peer.requests,
      reset: () => req.stream.close(h2.NGHTTP2_INTERNAL_ERROR),
      resetConnection: () => peer.socket.resetAndDestroy(),
    });
  });
  http2.on('session', (session) => {
    sessions.set(session, handingOver!);
    session.on('error', (error) => warn(`http2 session: ${error.message}`));
  });
  for (const server of [http1, http2]) server.on('clientError', (error: Error, socket: Duplex) => socket.destroy(error));

  const server = createTcpServer((socket) => {
    const peer: Peer = { socket, address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, localPort: socket.localPort ?? 0, requests: 0 };
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('error', (error) => warn(`connection ${peer.address}:${peer.port} on ${port}: ${error.message}`));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, preface.length);
      const maybeHttp2 = seen.subarray(0, compared).equals(preface.subarray(0, compared));
      if (maybeHttp2 && seen.length < preface.length) return; // not enough to tell yet
      socket.off('data', onData);
      socket.pause();
      if (maybeHttp2) {
        handingOver = peer;
        http2.emit('connection', replaying(socket, seen));
        handingOver = undefined;
      } else {
        sockets.set(socket, peer);
        socket.unshift(seen);
        http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '0.0.0.0', port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => warn(`http listener on ${port}: ${error.message}`));
  return { server, port: (server.address() as { port: number }).port };
}

/** A Duplex over `socket` that first yields `head`, the bytes the sniff took. */
function replaying(socket: Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => void socket.write(chunk, callback),
    final: (callback) => void socket.end(callback),
    destroy: (error, callback) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
