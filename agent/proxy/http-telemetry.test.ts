/**
 * HTTP through the real outbound listener, the mTLS tunnel and the inbound
 * listener to a node:http server, all in this process on 127.0.0.1: what
 * the source proxy reports per request, what the destination does not
 * report again, and that trace headers arrive as sent.
 */
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { AgentMetrics } from '../metrics.js';
import { eventually, startTestbed } from './testing/tunnel-testbed.js';

interface Reply {
  status: number;
  body: Buffer;
}

async function values(metrics: AgentMetrics, name: string) {
  return (await metrics.registry.getSingleMetric(name)!.get()).values;
}

test('HTTP/1.1 through the tunnel: counted once by the source, histograms match the bodies, traceparent and baggage arrive unchanged', async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const app = createServer((req, res) => {
    seen.push(req.headers);
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
        return;
      }
      const size = Number(url.searchParams.get('bytes') ?? received);
      res.writeHead(200, { 'content-length': size }).end(req.method === 'HEAD' ? undefined : Buffer.alloc(size, 'r'));
    });
  });
  const bed = await startTestbed({ onBackend: (socket) => app.emit('connection', socket) });
  t.after(() => bed.close());

  const sockets: Socket[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  (agent as unknown as { createConnection: () => Socket }).createConnection = () => {
    const socket = connect({ host: '127.0.0.1', port: bed.outbound.address().port });
    sockets.push(socket);
    return socket;
  };
  const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<Reply>((resolve, reject) => {
      const req = request({ agent, host: 'reviews.shop', port: 9080, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const traceId = (i: number) => `4bf92f3577b34da6a3ce929d0e0e${String(4700 + i).padStart(4, '0')}`;
  const plan = [
    ...Array.from({ length: 7 }, (_, i) => ({ method: 'GET', path: `/ok?bytes=${100 * (i + 1)}&i=${i}`, status: 200, request: 0, response: 100 * (i + 1) })),
    { method: 'GET', path: '/missing', status: 404, request: 0, response: 8 },
    { method: 'GET', path: '/missing?again=1', status: 404, request: 0, response: 8 },
    { method: 'POST', path: '/ok', status: 200, request: 1500, response: 1500 },
    { method: 'HEAD', path: '/ok?bytes=4096', status: 200, request: 0, response: 0 },
  ];
  const headersOf = (i: number) => ({ traceparent: `00-${traceId(i)}-00f067aa0ba902b7-01`, baggage: `tenant=blue,request=${i}` });
  for (const [i, step] of plan.entries()) {
    const reply = await send(step.method, step.path, headersOf(i), step.request ? Buffer.alloc(step.request, 'q') : undefined);
    assert.deepEqual([reply.status, reply.body.length], [step.status, step.response], `${step.method} ${step.path}`);
  }
  agent.destroy();
  await eventually(() => bed.outboundLog.filter((l) => l.msg === 'connection complete').length === sockets.length, 5000);

  // Trace context crossed the tunnel byte for byte.
  assert.deepEqual(
    seen.map((h) => [h.traceparent, h.baggage]),
    plan.map((_, i) => [headersOf(i).traceparent, headersOf(i).baggage]),
  );

  const requests = await values(bed.outboundMetrics, 'istio_requests_total');
  const byCode = Object.fromEntries(requests.map((v) => [v.labels.response_code, v.value]));
  assert.deepEqual(byCode, { '200': 9, '404': 2 });
  for (const v of requests) {
    assert.deepEqual(
      [v.labels.reporter, v.labels.request_protocol, v.labels.response_flags, v.labels.connection_security_policy, v.labels.source_workload, v.labels.destination_service_name, v.labels.destination_principal],
      ['source', 'http', '-', 'mutual_tls', 'productpage', 'reviews', 'spiffe://cluster.local/ns/shop/sa/reviews'],
    );
  }
  assert.deepEqual(await values(bed.inboundMetrics, 'istio_requests_total'), [], 'the destination side does not count requests again');

  const sumAndCount = async (name: string) => {
    const samples = (await values(bed.outboundMetrics, name)) as Array<{ value: number; metricName?: string }>;
    const total = (suffix: string) => samples.filter((v) => v.metricName === `${name}_${suffix}`).reduce((sum, v) => sum + v.value, 0);
    return { sum: total('sum'), count: total('count') };
  };
  assert.deepEqual(await sumAndCount('istio_request_bytes'), { sum: 1500, count: plan.length });
  assert.deepEqual(await sumAndCount('istio_response_bytes'), { sum: plan.reduce((sum, s) => sum + s.response, 0), count: plan.length });
  assert.equal((await sumAndCount('istio_request_duration_milliseconds')).count, plan.length);

  // The TCP counters: exactly the bytes the client's sockets wrote and read.
  const tcp = async (name: string) => (await values(bed.outboundMetrics, name)).reduce((sum, v) => sum + v.value, 0);
  assert.equal(await tcp('istio_tcp_sent_bytes_total'), sockets.reduce((sum, s) => sum + s.bytesWritten, 0));
  assert.equal(await tcp('istio_tcp_received_bytes_total'), sockets.reduce((sum, s) => sum + s.bytesRead, 0));
  const tcpPolicy = (await values(bed.outboundMetrics, 'istio_tcp_connections_opened_total')).map((v) => [v.labels.request_protocol, v.labels.connection_security_policy]);
  assert.deepEqual(tcpPolicy, [['tcp', 'mutual_tls']]);

  const lines = bed.outboundLog.filter((l) => l.msg === 'request complete');
  assert.deepEqual(
    lines.map((l) => [l.method, l.path, l.status, l.flags, l.requestBytes, l.responseBytes, l.traceId, l.parentId, (l.baggage as { keys: string[] }).keys]),
    plan.map((s, i) => [s.method, s.path.split('?')[0], s.status, '-', s.request, s.response, traceId(i), '00f067aa0ba902b7', ['tenant', 'request']]),
  );
  assert.equal(lines[0]!.authority, 'reviews.shop:9080');
  assert.ok(!JSON.stringify(lines).includes('blue'), 'baggage values stay out of the log');
});

test('a backend that resets before answering: the request is UC with 503, logged even when successes are sampled out', async (t) => {
  const bed = await startTestbed({
    onBackend: (socket) => socket.once('data', () => socket.resetAndDestroy()),
    accessLog: { mode: 'sampled', sampleRate: 0 },
  });
  t.after(() => bed.close());
  const client = await bed.dial();
  client.on('error', () => undefined);
  client.write('GET /boom HTTP/1.1\r\nHost: reviews\r\n\r\n');
  await new Promise((resolve) => client.once('close', resolve));
  await eventually(() => bed.outboundLog.some((l) => l.msg === 'request complete'), 5000);
  const line = bed.outboundLog.find((l) => l.msg === 'request complete')!;
  assert.deepEqual([line.path, line.status, line.flags], ['/boom', 503, 'UC']);
  const requests = await values(bed.outboundMetrics, 'istio_requests_total');
  assert.deepEqual(requests.map((v) => [v.labels.response_code, v.labels.response_flags, v.value]), [['503', 'UC', 1]]);
});

test('access log modes: sampled at 0 writes no line for a clean exchange, off writes none even for a failure; metrics count both', async (t) => {
  for (const mode of ['sampled', 'off'] as const) {
    const fail = mode === 'off';
    const bed = await startTestbed({
      onBackend: (socket) =>
        socket.once('data', () => (fail ? socket.resetAndDestroy() : socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))),
      accessLog: { mode, sampleRate: 0 },
    });
    t.after(() => bed.close());
    const client = await bed.dial();
    let clientError: string | undefined;
    client.on('error', (error: NodeJS.ErrnoException) => (clientError = error.code));
    client.resume();
    client.end('GET / HTTP/1.1\r\nHost: reviews\r\n\r\n');
    await new Promise((resolve) => client.once('close', resolve));
    // The pod's reset reaches the client as a reset, through a tunnel stream both sides had half-closed.
    assert.equal(clientError, fail ? 'ECONNRESET' : undefined, mode);
    const counted = async () => (await values(bed.outboundMetrics, 'istio_tcp_connections_closed_total')).reduce((sum, v) => sum + v.value, 0);
    const deadline = Date.now() + 5000;
    while ((await counted()) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const requests = await values(bed.outboundMetrics, 'istio_requests_total');
    assert.deepEqual(requests.map((v) => [v.labels.response_code, v.value]), [[fail ? '503' : '200', 1]], mode);
    const access = (lines: Array<Record<string, unknown>>) => lines.filter((l) => /connection complete|connection refused|request complete/.test(String(l.msg)));
    assert.deepEqual([...access(bed.outboundLog), ...access(bed.inboundLog)], [], mode);
  }
});
