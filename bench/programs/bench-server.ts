/**
 * The server end of every path, run inside a server pod:
 *
 *   node bench-server.js --http-port 8080 --hold-port 8081 [--response-bytes 1024]
 *
 * HTTP/1.1 (Node's own server) answering every request with the same body,
 * and a hold port that writes one byte to each connection it accepts and then
 * keeps it open, so a client knows the whole path (proxies included) is up
 * before it counts the connection as held. The same program on every path:
 * the paths differ only in what lies between client and server.
 * Prints `{"event":"listening"}` once both ports listen; exits on SIGTERM
 * (the testbed's teardown).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'http-port': { type: 'string' },
    'hold-port': { type: 'string' },
    'response-bytes': { type: 'string', default: '1024' },
  },
});
const httpPort = Number(values['http-port']);
const holdPort = Number(values['hold-port']);
const body = Buffer.alloc(Number(values['response-bytes']), 'w');

const http = createHttpServer((request, response) => {
  request.resume();
  request.once('end', () => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    response.end(body);
  });
});
// The load clients keep connections for a whole measurement; Node's 5 s default
// would close the ones a LIFO pool leaves idle and count as a path's failure.
http.keepAliveTimeout = 10 * 60_000;
http.headersTimeout = 10 * 60_000 + 1000;
http.requestTimeout = 0;

const held = new Set<Socket>();
const hold = createTcpServer({ noDelay: true }, (socket) => {
  held.add(socket);
  socket.on('error', () => {});
  socket.once('close', () => held.delete(socket));
  socket.resume(); // whatever a client says is dropped
  socket.write('k');
});

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, backlog: 4096 }, () => resolve());
  });
}

function stop(): void {
  for (const socket of held) socket.destroy();
  http.closeAllConnections();
  process.exit(0);
}

await listen(http, httpPort);
await listen(hold, holdPort);
process.once('SIGTERM', stop);
process.stdout.write(`${JSON.stringify({ event: 'listening', httpPort, holdPort })}\n`);
