/**
 * The outbound proxy terminating HTTP, in one process: node-1's outbound
 * listener takes the source pod's connection, parses its requests and sends
 * each through the mTLS tunnel to node-2, whose inbound listener copies to
 * an HTTP "pod" (Node's http server on a loopback port). Real HTTP/1.1,
 * real h2c, real TLS. What a user would notice: the requests of one client
 * connection are answered in order, pooled upstream (one pod connection,
 * one tunnel stream), h2c streams carry trailers, and a port that declares
 * nothing is found to be HTTP from its first bytes.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server, constants } from 'node:http2';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestbed, type Testbed } from '../proxy/testing/tunnel-testbed.js';

/** The "pod": HTTP/1.1 and h2c on one port (by the preface), answering what it saw. */
function podServer(): { onBackend(socket: Socket): void; connections: () => number } {
  let connections = 0;
  const answer = (request: IncomingMessage | import('node:http2').Http2ServerRequest, response: import('node:http').ServerResponse | import('node:http2').Http2ServerResponse) => {
    const body = JSON.stringify({ method: request.method, url: request.url, host: request.headers.host ?? request.headers[':authority'], headers: request.headers, version: request.httpVersion });
    if (request.httpVersion === '2.0') (response as import('node:http2').Http2ServerResponse).addTrailers({ 'x-trailer': 'done' });
    (response as import('node:http').ServerResponse).writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  };
  const h1 = createHttpServer(answer);
  // A WebSocket-like upgrade: 101, then every byte echoed back upper-cased.
  h1.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${request.headers.upgrade}\r\nConnection: Upgrade\r\nX-Seen-Path: ${request.url}\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
  const h2 = createHttp2Server({}, answer);
  return {
    connections: () => connections,
    onBackend(socket) {
      connections++;
      socket.once('readable', () => {
        const head = socket.read() as Buffer | null;
        if (!head) return;
        socket.unshift(head);
        (head.subarray(0, 3).toString() === 'PRI' ? h2 : h1).emit('connection', socket);
      });
    },
  };
}

function get(agent: Agent, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ agent, host: 'reviews.shop', path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    request.once('error', reject);
    request.end();
  });
}

// A port declared `http` is spoken to in HTTP/1.1 whatever the client speaks (as Istio does); an undeclared one in the client's protocol.
for (const { servicePort, upstreamH2 } of [
  { servicePort: { name: 'http', appProtocol: 'http' }, upstreamH2: false },
  { servicePort: { name: 'web' }, upstreamH2: true },
]) {
  describe(`HTTP terminated by the outbound proxy (port ${JSON.stringify(servicePort)})`, () => {
    let bed: Testbed;
    const pod = podServer();
    before(async () => {
      bed = await startTestbed({ onBackend: pod.onBackend, servicePort });
    });
    after(() => bed.close());

    test('20 requests on one keep-alive client connection: all answered, over one pod connection and one tunnel stream', async () => {
      let dials = 0;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agent.createConnection = ((_options: unknown, callback: (error: Error | null, socket?: Socket) => void) => {
        dials++;
        bed.dial().then((socket) => callback(null, socket), callback);
      }) as never;
      const before = pod.connections();
      for (let i = 0; i < 20; i++) {
        const { status, body } = await get(agent, `/item/${i}?q=${i}`, { 'x-canary': 'yes' });
        assert.equal(status, 200);
        assert.equal(body.url, `/item/${i}?q=${i}`);
        assert.equal(body.host, 'reviews.shop');
        assert.equal((body.headers as Record<string, string>)['x-canary'], 'yes');
      }
      agent.destroy();
      assert.equal(dials, 1, 'one client connection');
      assert.equal(pod.connections() - before, 1, 'one upstream connection to the pod, reused');
    });

    test('an upgrade (WebSocket) is passed through: 101 from the pod, then bytes both ways', async () => {
      const socket = await bed.dial();
      const request = httpRequest({ createConnection: () => socket, host: 'reviews.shop', path: '/ws?room=1', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      const [response, upgraded] = await new Promise<[IncomingMessage, Socket]>((resolve, reject) => {
        request.once('upgrade', (res: IncomingMessage, upgradedSocket: Socket) => resolve([res, upgradedSocket]));
        request.once('response', (res) => reject(new Error(`answered ${res.statusCode} instead of 101`)));
        request.once('error', reject);
        request.end();
      });
      assert.equal(response.statusCode, 101);
      assert.equal(response.headers['x-seen-path'], '/ws?room=1');
      upgraded.write('hello through the mesh');
      const echoed = await new Promise<string>((resolve) => upgraded.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      assert.equal(echoed, 'HELLO THROUGH THE MESH');
      upgraded.end();
    });

    test(`h2c with prior knowledge: streams answered${upstreamH2 ? ' with their trailers, over HTTP/2 to the pod' : ', over HTTP/1.1 to the pod'}`, async () => {
      const socket = await bed.dial();
      const session = connectHttp2('http://reviews.shop', { createConnection: () => socket });
      try {
        for (let i = 0; i < 3; i++) {
          const stream = session.request({ ':path': `/h2/${i}`, ':method': 'GET' });
          const [head, body, trailers] = await Promise.all([
            new Promise<Record<string, unknown>>((resolve) => stream.once('response', resolve)),
            new Promise<string>((resolve) => {
              let text = '';
              stream.on('data', (chunk: Buffer) => (text += chunk));
              stream.once('end', () => resolve(text));
            }),
            new Promise<Record<string, unknown>>((resolve) => {
              stream.once('trailers', resolve);
              stream.once('end', () => resolve({}));
            }),
          ]);
          assert.equal(head[constants.HTTP2_HEADER_STATUS], 200);
          const seen = JSON.parse(body) as { url: string; host: string; version: string };
          assert.equal(seen.url, `/h2/${i}`);
          assert.equal(seen.version, upstreamH2 ? '2.0' : '1.1');
          assert.equal(trailers['x-trailer'], upstreamH2 ? 'done' : undefined);
        }
      } finally {
        session.close();
      }
    });
  });
}
