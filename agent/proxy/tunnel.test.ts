import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { Credential } from '../../core/spiffe-id.js';
import { StaticCertificateProvider, TestCa } from '../identity/testing/test-ca.js';
import { connectTunnel, type TunnelRequest } from './connect-tunnel.js';
import { tunnelServerName } from './hbone.js';
import { ConnectionLimits } from './connection-limits.js';
import { TunnelPool } from './pool.js';
import { captureLog, eventually, identity, readAll, startTestbed, type Testbed } from './testing/tunnel-testbed.js';
import { TlsContexts } from './tls-context.js';
import { PeerIdentityError, TunnelConnectError, TunnelRefusedError } from './tunnel-errors.js';

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const normal = (serial: string | undefined) => (serial ?? '').toUpperCase().replace(/^0+/, '');
const serial = (credential: Credential) => normal(new X509Certificate(credential.certChainPem).serialNumber);
const day = 86_400_000;

/** A pool of node-1 presenting `credential` (or the testbed's own certificates) as productpage. */
function clientPool(bed: Testbed, credential?: Credential, { maxStreamsPerSession = 100, idleTimeoutMs = 5_000 } = {}) {
  const provider = credential ? new StaticCertificateProvider(bed.ca) : bed.clientCertificates;
  if (credential) provider.set(identity('productpage'), credential);
  const pool = new TunnelPool({
    contexts: new TlsContexts(provider),
    localAddress: '127.0.0.1',
    connectTimeoutMs: 2_000,
    maxStreamsPerSession,
    idleTimeoutMs,
    log: captureLog().log,
  });
  const request = (target = bed.workloads.reviews, port = bed.backendPort, destination = identity(target.serviceAccount)): TunnelRequest => ({
    source: identity('productpage'),
    sourceIp: bed.workloads.productpage.ip,
    destination,
    node: 'node-2',
    nodeAddress: bed.inbound.address(),
    target: { ip: target.ip, port },
    timeoutMs: 2_000,
  });
  return { pool, request };
}

function refusals(bed: Testbed): string[] {
  return bed.inboundLog.filter((l) => l.msg === 'inbound tunnel refused' || l.msg === 'inbound connection refused').map((l) => String(l.reason));
}

/** One round trip on an open app connection through the echo pod. */
async function roundTrip(socket: Socket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  socket.write(text);
  return reply;
}

test('8 MiB each way arrive intact through outbound -> tunnel -> inbound -> pod; the inbound side knows the source identity', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const payload = randomBytes(8 * 1024 * 1024);
  const client = await bed.dial();
  const echoed = readAll(client);
  client.end(payload);
  assert.equal(digest(await echoed), digest(payload));

  await eventually(() => bed.inboundLog.some((l) => l.msg === 'inbound connection complete'));
  const line = bed.inboundLog.find((l) => l.msg === 'inbound connection complete')!;
  assert.deepEqual(
    { principal: (line.src as any).principal, workload: (line.src as any).workload, dst: (line.dst as any).workload, sent: line.sent, received: line.received },
    { principal: 'spiffe://cluster.local/ns/shop/sa/productpage', workload: 'shop/productpage-0', dst: 'shop/reviews-0', sent: payload.length, received: payload.length },
  );
  await eventually(() => bed.outboundLog.some((l) => l.msg === 'connection complete'));
  const outbound = bed.outboundLog.find((l) => l.msg === 'connection complete')!;
  assert.equal((outbound.tunnel as any).node, 'node-2');

  const opened = (await bed.inboundMetrics.registry.getSingleMetric('istio_tcp_connections_opened_total')!.get()).values;
  assert.deepEqual(
    opened.map((v) => [v.labels.reporter, v.labels.source_principal, v.labels.source_workload, v.labels.destination_workload, v.labels.connection_security_policy, v.value]),
    [['destination', 'spiffe://cluster.local/ns/shop/sa/productpage', 'productpage', 'reviews', 'mutual_tls', 1]],
  );
});

test("the destination proxy's forced drain resets the source's app connection: a cut, not a clean end it would wait behind", async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const client = await bed.dial();
  assert.equal(await roundTrip(client, 'before'), 'before');
  const outcome = new Promise<string>((resolve) => {
    client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    client.once('end', () => resolve('clean end'));
  });
  // No grace: the inbound side's TLS session is destroyed at once, with the stream on it.
  assert.deepEqual(await bed.inboundDrain.drain(0), { forced: 1 });
  assert.equal(await outcome, 'ECONNRESET');
});

test('half-close through the tunnel: a client FIN reaches the pod, which can still answer; a pod FIN reaches the client, which can still send', async (t) => {
  let backendGot!: Promise<Buffer>;
  let mode: 'answer-after-eof' | 'fin-first' = 'answer-after-eof';
  const bed = await startTestbed({
    onBackend: (pod) => {
      backendGot = readAll(pod);
      if (mode === 'answer-after-eof') backendGot.then((request) => pod.end(Buffer.concat([Buffer.from('got '), request])));
      else pod.end('hello');
    },
  });
  t.after(() => bed.close());

  const first = await bed.dial();
  const reply = readAll(first);
  first.end('ping');
  assert.equal((await reply).toString(), 'got ping');

  mode = 'fin-first';
  const second = await bed.dial();
  assert.equal((await readAll(second)).toString(), 'hello');
  second.end('late data');
  assert.equal((await backendGot).toString(), 'late data');
});

test('client certificates the inbound side refuses: another trust domain, expired, another CA, none at all', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const otherCa = await TestCa.create({ name: 'another root' });
  const cases: Array<[string, Credential, string, RegExp]> = [
    ['another trust domain', await bed.ca.issue(identity('productpage', 'shop', 'evil.example')), 'tunnel_peer_identity', /trust domain 'evil.example' is not 'cluster.local'/],
    ['two URI SANs', await bed.ca.issue(identity('productpage'), { uris: ['spiffe://cluster.local/ns/shop/sa/productpage', 'spiffe://cluster.local/ns/shop/sa/admin'] }), 'tunnel_peer_identity', /exactly one URI SAN/],
    ['expired', await bed.ca.issue(identity('productpage'), { notBefore: new Date(Date.now() - 2 * day), notAfter: new Date(Date.now() - day) }), 'tunnel_handshake_failed', /CERT_HAS_EXPIRED/],
    ['another CA', await otherCa.issue(identity('productpage')), 'tunnel_handshake_failed', /UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/],
  ];
  for (const [name, credential, reason, detail] of cases) {
    const before = refusals(bed).length;
    const { pool, request } = clientPool(bed, credential);
    await assert.rejects(connectTunnel(pool, request()), TunnelConnectError, name);
    await eventually(() => refusals(bed).length > before);
    const refused = bed.inboundLog.filter((l) => l.msg === 'inbound tunnel refused').at(-1)!;
    assert.equal(refused.reason, reason, name);
    assert.match(String(refused.detail), detail, name);
    pool.close();
  }

  // No client certificate: a bare h2 client that trusts the root and names reviews.
  const before = refusals(bed).length;
  const { port } = bed.inbound.address();
  const session = http2Connect(`https://127.0.0.1:${port}`, {
    ca: bed.ca.rootPem,
    servername: tunnelServerName(bed.workloads.reviews.ip),
    checkServerIdentity: () => undefined,
  });
  session.on('error', () => undefined);
  const stream = session.request({ ':method': 'CONNECT', ':authority': `127.0.0.1:${bed.backendPort}` });
  const outcome = await new Promise<string>((resolve) => {
    stream.on('response', (headers) => resolve(`status ${headers[':status']}`));
    stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    stream.on('close', () => resolve('closed'));
  });
  assert.ok(!/status 200/.test(outcome), outcome);
  session.destroy();
  await eventually(() => refusals(bed).length > before);
  assert.equal(refusals(bed).at(-1), 'tunnel_handshake_failed');
  assert.match(String(bed.inboundLog.at(-1)!.detail), /peer did not return a certificate/);
  assert.equal(bed.backendAccepted(), 0, 'no refused peer reached the pod');
});

test('destinations that are not local meshed workloads of the session identity are refused', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { pool, request } = clientPool(bed);
  t.after(() => pool.close());

  // At the handshake: the SNI names a pod of node-3, so node-2 has no certificate to present for it.
  await assert.rejects(connectTunnel(pool, request(bed.workloads.details, 80)), TunnelConnectError);
  await eventually(() => refusals(bed).includes('tunnel_destination_not_local'));

  // On an established session to reviews: CONNECT to elsewhere.
  const good = await connectTunnel(pool, request());
  const session = good.stream.session as ClientHttp2Session;
  const ask = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const stream = session.request(headers, { endStream: false });
      stream.once('response', (h) => resolve(Number(h[':status'])));
      stream.once('error', reject);
      stream.resume();
    });
  assert.equal(await ask({ ':method': 'CONNECT', ':authority': '10.244.3.9:80' }), 404, 'a pod of another node');
  assert.equal(await ask({ ':method': 'CONNECT', ':authority': '10.96.0.20:9080' }), 404, 'a service VIP');
  assert.equal(await ask({ ':method': 'CONNECT', ':authority': '10.244.2.7:80' }), 421, 'a local pod of another identity');
  assert.equal(await ask({ ':method': 'CONNECT', ':authority': 'reviews:80' }), 400, 'not an ip:port');
  assert.equal(await ask({ ':method': 'GET', ':path': '/', ':scheme': 'https', ':authority': '127.0.0.1' }), 405, 'not CONNECT');
  assert.deepEqual(refusals(bed).slice(-5), ['tunnel_destination_not_local', 'tunnel_destination_not_local', 'tunnel_misdirected', 'tunnel_bad_request', 'tunnel_bad_request']);

  // The session survives its refused streams.
  good.stream.end('still here');
  assert.equal((await readAll(good.stream)).toString(), 'still here');
  assert.equal(pool.handshakes(), 2);
  assert.equal(bed.backendAccepted(), 1);
});

test('the client refuses a server whose SPIFFE ID is not the destination workload identity', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  // node-2 presents ratings' certificate when asked for reviews.
  bed.serverCertificates.set(identity('reviews'), await bed.ca.issue(identity('ratings')));
  const { pool, request } = clientPool(bed);
  t.after(() => pool.close());
  await assert.rejects(connectTunnel(pool, request()), (error: Error) => {
    assert.ok(error instanceof PeerIdentityError, String(error));
    assert.match(error.message, /spiffe:\/\/cluster.local\/ns\/shop\/sa\/ratings, not the destination's spiffe:\/\/cluster.local\/ns\/shop\/sa\/reviews/);
    return true;
  });
  // Through the outbound listener the app connection is reset, and logged with the reason.
  const client = await bed.dial();
  const outcome = await new Promise<string>((resolve) => {
    client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    client.once('end', () => resolve('clean end'));
  });
  assert.equal(outcome, 'ECONNRESET');
  const refused = bed.outboundLog.find((l) => l.msg === 'connection refused')!;
  assert.match(String(refused.detail), /not the destination's/);
  assert.equal(bed.backendAccepted(), 0);
});

test('50 sequential connections share one pooled session: one handshake', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  for (let i = 0; i < 50; i++) {
    const client = await bed.dial();
    const reply = readAll(client);
    client.end(`hello ${i}`);
    assert.equal((await reply).toString(), `hello ${i}`);
  }
  const pool = bed.pool;
  assert.equal(pool.handshakes(), 1);
  await eventually(() => pool.snapshot()[0]?.sessions[0]?.streams === 0);
  const [entry] = pool.snapshot();
  assert.equal(entry!.source, 'spiffe://cluster.local/ns/shop/sa/productpage');
  assert.equal(entry!.destination, 'spiffe://cluster.local/ns/shop/sa/reviews');
  assert.equal(entry!.sessions.length, 1);
  assert.equal(entry!.sessions[0]!.state, 'ready');
  assert.ok(entry!.sessions[0]!.establishedAt);
  assert.equal(bed.backendAccepted(), 50);
});

test('a full session (stream limit) makes the pool open a second one', async (t) => {
  const bed = await startTestbed({ tunnelMaxStreams: 2 });
  t.after(() => bed.close());
  const clients = await Promise.all([bed.dial(), bed.dial(), bed.dial()]);
  assert.deepEqual(await Promise.all(clients.map((c, i) => roundTrip(c, `c${i}`))), ['c0', 'c1', 'c2']);
  const pool = bed.pool;
  assert.equal(pool.handshakes(), 2);
  assert.deepEqual(pool.snapshot()[0]!.sessions.map((s) => s.streams).sort(), [1, 2]);
  assert.equal(bed.inbound.sessions().length, 2);
  clients.forEach((c) => c.end());
});

test('a failed session is evicted; only its own streams fail', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { pool, request } = clientPool(bed, undefined, { maxStreamsPerSession: 1 });
  t.after(() => pool.close());
  const one = await connectTunnel(pool, request());
  const two = await connectTunnel(pool, request());
  assert.notEqual(one.sessionId, two.sessionId);

  const failed = new Promise((resolve) => one.stream.once('close', resolve));
  one.stream.on('error', () => undefined);
  one.stream.session!.destroy(new Error('boom'));
  await failed;
  await eventually(() => pool.snapshot()[0]!.sessions.length === 1);
  assert.equal(pool.snapshot()[0]!.sessions[0]!.id, two.sessionId);

  const reply = readAll(two.stream);
  two.stream.end('survivor');
  assert.equal((await reply).toString(), 'survivor');
  const three = await connectTunnel(pool, request());
  assert.equal(pool.handshakes(), 3, 'the evicted session is not reused');
  three.stream.end();
  three.stream.resume();
});

test('rotation: new handshakes use the new certificates; streams already open keep working', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const before = await bed.dial();
  assert.equal(await roundTrip(before, 'old'), 'old');
  const pool = bed.pool;
  const oldServerSerial = pool.snapshot()[0]!.sessions[0]!.peerCertificateSerial;

  const newClient = await bed.ca.issue(identity('productpage'));
  const newServer = await bed.ca.issue(identity('reviews'));
  bed.clientCertificates.set(identity('productpage'), newClient);
  bed.serverCertificates.set(identity('reviews'), newServer);

  const after = await bed.dial();
  assert.equal(await roundTrip(after, 'new'), 'new');
  assert.equal(pool.handshakes(), 2, 'the rotated credential takes a new session');
  const sessions = pool.snapshot()[0]!.sessions;
  assert.deepEqual(sessions.map((s) => s.state), ['draining', 'ready']);
  assert.notEqual(normal(sessions[1]!.peerCertificateSerial), normal(oldServerSerial));
  assert.equal(normal(sessions[1]!.peerCertificateSerial), serial(newServer), 'the server presented its new certificate');
  const inboundSerials = bed.inbound.sessions().map((s) => normal(s.certificateSerial));
  assert.equal(inboundSerials.length, 2);
  assert.ok(inboundSerials.includes(serial(newClient)), 'the client presented its new certificate');

  // The old stream, on the old session, still carries bytes both ways.
  assert.equal(await roundTrip(before, 'still old'), 'still old');
  const done = readAll(before);
  before.end();
  await done;
  await eventually(() => pool.snapshot()[0]!.sessions.length === 1);
  after.end();
});

test('trace context on the CONNECT is logged by the inbound side; an idle session closes after the idle timeout', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { pool, request } = clientPool(bed, undefined, { idleTimeoutMs: 100 });
  t.after(() => pool.close());
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const { stream } = await connectTunnel(pool, { ...request(), trace: { traceparent, baggage: 'tenant=blue' } });
  stream.end('traced');
  assert.equal((await readAll(stream)).toString(), 'traced');
  await eventually(() => bed.inboundLog.some((l) => l.msg === 'inbound connection complete'));
  const line = bed.inboundLog.find((l) => l.msg === 'inbound connection complete')!;
  assert.deepEqual([line.traceparent, line.baggage], [traceparent, 'tenant=blue']);

  assert.equal(pool.snapshot().length, 1);
  await eventually(() => pool.snapshot().length === 0, 2_000);
  await eventually(() => bed.inbound.sessions().length === 0, 2_000);
});

test('drain of the inbound side: GOAWAY, no new tunnels, open streams finish within the grace', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { pool, request } = clientPool(bed);
  t.after(() => pool.close());
  const open = await connectTunnel(pool, request());
  const drained = bed.inboundDrain.drain(5_000);
  await eventually(() => pool.snapshot().length === 0); // the GOAWAY evicted the session from the pool
  await assert.rejects(connectTunnel(pool, request()), TunnelConnectError);
  const reply = readAll(open.stream);
  open.stream.end('in flight');
  assert.equal((await reply).toString(), 'in flight');
  assert.deepEqual(await drained, { forced: 0 });
});

test('raw connections to the tunnel port beyond one source\'s share are closed before any handshake, counted and logged once', async (t) => {
  const bed = await startTestbed({ inboundLimits: new ConnectionLimits({ descriptors: 100, perSource: 3 }) });
  t.after(() => bed.close());
  const { port } = bed.inbound.address();
  const sockets = await Promise.all(
    Array.from({ length: 8 }, () => new Promise<Socket>((resolve) => {
      const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', () => undefined);
    })),
  );
  t.after(() => sockets.forEach((s) => s.destroy()));
  await eventually(() => sockets.filter((s) => s.destroyed || s.readableEnded).length === 5);
  const refused = (await bed.inboundMetrics.registry.getSingleMetric('weft_connections_refused_total')!.get()).values;
  assert.equal(refused.find((v) => v.labels.reason === 'pod_connection_limit')?.value, 5);
  const lines = bed.inboundLog.filter((l) => l.msg === 'connection refused: a connection limit was reached');
  assert.equal(lines.length, 1, 'one line for the five refusals');
  assert.deepEqual(refusals(bed), [], 'no handshake failure is logged for them');
  // the share is whole again once the held ones go
  sockets.forEach((s) => s.destroy());
  const client = await bed.dial();
  assert.equal(await roundTrip(client, 'after'), 'after');
  client.destroy();
});
