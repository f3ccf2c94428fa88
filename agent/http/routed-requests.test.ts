/**
 * Routes as the terminating proxy applies them and reports them, in one
 * process (node-1's outbound proxy, the tunnel, node-2's inbound proxy, an
 * HTTP "pod"): a request no rule matches is answered 404 with flag NR and
 * never reaches the pod; a matched one reaches it rewritten and with the
 * header the filter set; a request timeout answers 504 UT; a retried 503
 * gives up with URX after the attempts the rule allows. Each shows in
 * istio_requests_total (response_code, response_flags, the backend as
 * destination_service) and in one `request complete` line naming the rule.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { HttpRoute } from '../../model/types.js';
import { startTestbed, type Testbed } from '../proxy/testing/tunnel-testbed.js';

const source = { file: 'test', document: 0 };
const backendRef = { name: 'reviews', namespace: 'shop', port: 9080, weight: 1 };
const route: HttpRoute = {
  name: 'reviews-api',
  namespace: 'shop',
  parentRefs: [{ name: 'reviews', namespace: 'shop' }],
  hostnames: [],
  source,
  rules: [
    {
      matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [], queryParams: [] }],
      filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/v1' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-routed', value: 'api' }], add: [], remove: ['x-secret'] } },
      ],
      backendRefs: [backendRef],
    },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/slow' }, headers: [], queryParams: [] }],
      filters: [],
      backendRefs: [backendRef],
      timeouts: { requestMs: 200 },
    },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/flaky' }, headers: [], queryParams: [] }],
      filters: [],
      backendRefs: [backendRef],
      retry: { attempts: 2, codes: [503] },
    },
  ],
};

describe('routed requests in the terminating proxy', () => {
  let bed: Testbed;
  const seen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
  const pod = createHttpServer((request, response) => {
    seen.push({ url: request.url!, headers: request.headers });
    if (request.url!.includes('slow-ok')) return void setTimeout(() => response.end('ok'), 300).unref();
    if (request.url!.startsWith('/slow')) return void setTimeout(() => response.end('late'), 1000).unref();
    if (request.url!.startsWith('/flaky')) return void response.writeHead(503).end('down');
    response.end('ok');
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    bed = await startTestbed({ servicePort: { name: 'http', appProtocol: 'http' }, httpRoutes: [route], onBackend: (socket: Socket) => pod.emit('connection', socket) });
    agent.createConnection = ((_options: unknown, callback: (error: Error | null, socket?: Socket) => void) => {
      bed.dial().then((socket) => callback(null, socket), callback);
    }) as never;
  });
  after(async () => {
    agent.destroy();
    await bed.close();
  });

  function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; took: number }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const request = httpRequest({ agent, host: 'reviews.shop:9080', path, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.once('end', () => resolve({ status: response.statusCode!, body, took: performance.now() - started }));
      });
      request.once('error', reject);
      request.end();
    });
  }

  async function requestsTotal(): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
    const metric = await bed.outboundMetrics.registry.getSingleMetric('istio_requests_total')!.get();
    return metric.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
  }

  const completeLine = (path: string) => bed.outboundLog.filter((l) => l.msg === 'request complete' && l.path === path).at(-1);

  test('no rule matches: 404 with NR, the pod never asked, the line says so', async () => {
    const before = seen.length;
    const { status } = await get('/other');
    assert.equal(status, 404);
    assert.equal(seen.length, before, 'nothing reached the pod');
    const line = completeLine('/other');
    assert.equal(line?.status, 404);
    assert.equal(line?.flags, 'NR');
    const nr = (await requestsTotal()).find((v) => v.labels.response_flags === 'NR');
    assert.equal(nr?.value, 1);
    assert.equal(nr?.labels.response_code, '404');
  });

  test('a matched rule: the pod sees the rewritten path with its query, the set header, not the removed one; the line names the rule', async () => {
    const { status, body } = await get('/api/items?page=2', { 'x-secret': 'hush' });
    assert.equal(status, 200);
    assert.equal(body, 'ok');
    const last = seen.at(-1)!;
    assert.equal(last.url, '/v1/items?page=2');
    assert.equal(last.headers['x-routed'], 'api');
    assert.equal(last.headers['x-secret'], undefined);
    const line = completeLine('/api/items');
    assert.equal(line?.upstreamPath, '/v1/items', 'the line names the path sent, beside the one asked for');
    assert.equal(line?.route, 'HTTPRoute shop/reviews-api');
    assert.equal(line?.rule, 0);
    const ok = (await requestsTotal()).find((v) => v.labels.response_code === '200');
    assert.equal(ok?.labels.destination_service, 'reviews.shop.svc.cluster.local');
    assert.equal(ok?.labels.connection_security_policy, 'mutual_tls', 'through the tunnel');
  });

  test('timeouts.request: 504 with UT after about the timeout, not after the pod\'s 1 s', async () => {
    const { status, took } = await get('/slow');
    assert.equal(status, 504);
    assert.ok(took >= 190 && took < 900, `answered after ${Math.round(took)} ms`);
    assert.equal(completeLine('/slow')?.flags, 'UT');
  });

  test('retry on 503: the pod is asked 1 + attempts times, then 503 with URX', async () => {
    const before = seen.filter((s) => s.url === '/flaky').length;
    const { status } = await get('/flaky');
    assert.equal(status, 503);
    assert.equal(seen.filter((s) => s.url === '/flaky').length - before, 3);
    const line = completeLine('/flaky');
    assert.equal(line?.flags, 'URX');
    assert.equal(line?.attempts, 3);
  });

  // Last: it drains node-1's proxy.
  test('a request in flight when the proxy starts to drain is answered, and its connection is closed after it', async () => {
    const socket = await bed.dial();
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const request = httpRequest({ createConnection: () => socket, host: 'reviews.shop:9080', path: '/api/slow-ok', headers: { connection: 'keep-alive' } }, (response) => {
        response.resume();
        response.once('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
      });
      request.once('error', reject);
      request.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the pod holds it for 300 ms
    const drained = bed.outboundDrain.drain(5000);
    const { status, connection } = await answered;
    assert.equal(status, 200, 'answered, not cut');
    assert.equal(connection, 'close', 'told the connection ends');
    const closedAt = await closed;
    await drained;
    assert.ok(closedAt > 0);
  });
});
