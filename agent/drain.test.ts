import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { Drain } from './drain.js';
import { TestCa } from './identity/testing/test-ca.js';

/** The client's view of its connection's end: 'reset' (ECONNRESET) or 'closed' (a clean end). */
function endOf(socket: Socket): Promise<'reset' | 'closed'> {
  return new Promise((resolve) => {
    let reset = false;
    socket.on('error', (error: NodeJS.ErrnoException) => (reset ||= error.code === 'ECONNRESET'));
    socket.resume();
    socket.once('close', () => resolve(reset ? 'reset' : 'closed'));
  });
}

test('the forced end of a drain closes plain and TLS connections alike (a TLS socket cannot be reset)', { timeout: 10_000 }, async () => {
  const drain = new Drain();
  const ca = await TestCa.create();
  const credential = await ca.issue({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'drain' });
  const plain = netServer((socket) => drain.track(socket));
  const tls = tlsServer({ cert: credential.certChainPem, key: credential.keyPem });
  tls.on('secureConnection', (socket: TLSSocket) => drain.track(socket));
  plain.listen(0, '127.0.0.1');
  tls.listen(0, '127.0.0.1');
  await Promise.all([once(plain, 'listening'), once(tls, 'listening')]);
  try {
    const serverSide = Promise.all([once(plain, 'connection'), once(tls, 'secureConnection')]);
    const plainClient = netConnect((plain.address() as { port: number }).port, '127.0.0.1');
    const tlsClient = tlsConnect({ port: (tls.address() as { port: number }).port, host: '127.0.0.1', ca: ca.rootPem, rejectUnauthorized: false });
    await Promise.all([once(plainClient, 'connect'), once(tlsClient, 'secureConnect')]);
    const ends = Promise.all([endOf(plainClient), endOf(tlsClient)]);
    await serverSide;
    const { forced } = await drain.drain(50);
    assert.equal(forced, 2);
    const [plainEnd, tlsEnd] = await ends;
    assert.equal(plainEnd, 'reset', 'the plain connection is reset, so its peer knows it was cut');
    assert.ok(tlsEnd === 'closed' || tlsEnd === 'reset', 'the TLS connection ends');
    assert.equal(drain.signal.aborted, true);
  } finally {
    plain.close();
    tls.close();
  }
});

test('a drain with nothing open returns at once', async () => {
  const drain = new Drain();
  const started = performance.now();
  assert.deepEqual(await drain.drain(10_000), { forced: 0 });
  assert.ok(performance.now() - started < 1000);
});
