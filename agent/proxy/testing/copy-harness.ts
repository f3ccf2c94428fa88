/**
 * client <-> [proxy: copyDuplex, optionally tapped] <-> backend, all on
 * loopback, for the copy and HTTP-observer tests. Servers close after the test.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after } from 'node:test';
import { copyDuplex, socketEnd, type CopyResult, type CopyTap } from '../copy-duplex.js';

export async function copyHarness(onBackend: (socket: Socket) => void, tap?: CopyTap): Promise<{ client: Socket; copied: () => Promise<CopyResult> }> {
  const servers: Server[] = [];
  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  after(() => servers.forEach((server) => server.close()));
  const backendPort = await listen(createServer({ allowHalfOpen: true }, onBackend));
  let copied!: Promise<CopyResult>;
  const proxyPort = await listen(
    createServer({ allowHalfOpen: true, pauseOnConnect: true }, (downstream) => {
      const upstream = connect({ host: '127.0.0.1', port: backendPort, allowHalfOpen: true });
      copied = new Promise((resolve) => upstream.once('connect', () => resolve(copyDuplex(socketEnd(downstream), socketEnd(upstream), tap))));
    }),
  );
  const client = connect({ host: '127.0.0.1', port: proxyPort, allowHalfOpen: true });
  await new Promise((resolve) => client.once('connect', resolve));
  return { client, copied: () => copied };
}

/** Everything a socket receives until its end. */
export function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}
