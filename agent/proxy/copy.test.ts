import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { copyDuplex, socketEnd, type CopyResult } from './copy-duplex.js';

/** client <-> [proxy: copyDuplex] <-> backend, all on loopback. */
async function harness(onBackend: (socket: Socket) => void) {
  const servers: Server[] = [];
  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  const backendPort = await listen(createServer({ allowHalfOpen: true }, onBackend));
  let copied!: Promise<CopyResult>;
  const proxyPort = await listen(
    createServer({ allowHalfOpen: true, pauseOnConnect: true }, (downstream) => {
      const upstream = connect({ host: '127.0.0.1', port: backendPort, allowHalfOpen: true });
      copied = new Promise((resolve) => upstream.once('connect', () => resolve(copyDuplex(socketEnd(downstream), socketEnd(upstream)))));
    }),
  );
  const client = connect({ host: '127.0.0.1', port: proxyPort, allowHalfOpen: true });
  await new Promise((resolve) => client.once('connect', resolve));
  after(() => servers.forEach((server) => server.close()));
  return { client, copied: () => copied };
}

function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

test('client half-close: the backend sees EOF and can still answer', async () => {
  const { client, copied } = await harness((backend) => {
    readAll(backend).then((request) => backend.end(Buffer.concat([Buffer.from('got '), request])));
  });
  const reply = readAll(client);
  client.end('ping');
  assert.equal((await reply).toString(), 'got ping');
  const result = await copied();
  assert.deepEqual([result.sent, result.received], [4, 8]);
});

test('backend half-close: the client gets EOF first and can still send', async () => {
  let backendGot!: Promise<Buffer>;
  const { client } = await harness((backend) => {
    backendGot = readAll(backend);
    backend.end('hello');
  });
  assert.equal((await readAll(client)).toString(), 'hello');
  client.end('late data');
  assert.equal((await backendGot).toString(), 'late data');
});

test('8 MiB each way arrives intact through the copy', async () => {
  const payload = randomBytes(8 * 1024 * 1024);
  const { client, copied } = await harness((backend) => backend.pipe(backend));
  const echoed = readAll(client);
  client.end(payload);
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.equal(digest(await echoed), digest(payload));
  assert.equal((await copied()).received, payload.length);
});

test('a reset by the backend resets the client instead of closing it cleanly', async () => {
  const { client } = await harness((backend) => backend.once('data', () => backend.resetAndDestroy()));
  const outcome = new Promise<string>((resolve) => {
    client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    client.once('end', () => resolve('clean end'));
  });
  client.write('x');
  assert.equal(await outcome, 'ECONNRESET');
});
