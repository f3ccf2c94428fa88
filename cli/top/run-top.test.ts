/**
 * `weft top` against real metrics endpoints on loopback: one agent answering
 * with a prom-client registry, one that is not there. The missing agent is a
 * warning under the table, never a crash, and the live one is still counted.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { buildFrame, runTop, scrapeAll } from './run-top.js';
import { renderFrame } from './render-top.js';
import { agentUrl } from './scrape.js';
import { IstioRegistry } from './testing/istio-registry.js';

const agent = new IstioRegistry();
let server: Server;
let live: string;
let dead: string;
let broken: string;

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const s = createServer(handler);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

before(async () => {
  server = await listen(async (request, response) => {
    if (request.url === '/broken') {
      response.statusCode = 503;
      response.end('draining');
      return;
    }
    response.setHeader('content-type', agent.registry.contentType);
    response.end(await agent.registry.metrics());
  });
  const port = (server.address() as AddressInfo).port;
  live = `http://127.0.0.1:${port}/metrics`;
  broken = `http://127.0.0.1:${port}/broken`;
  // A port that was just free: nothing listens there.
  const gone = await listen(() => {});
  dead = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/metrics`;
  await new Promise((resolve) => gone.close(resolve));
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('an unreachable agent is a warning under the table; the agents that answer are still counted', async () => {
  const first = await scrapeAll([live, dead, broken], 1000);
  for (let i = 0; i < 6; i++) agent.request('reviews', 200, 3);
  agent.connection('reviews', 700, 300);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const frame = buildFrame(first, await scrapeAll([live, dead, broken], 1000), 'service');

  assert.deepEqual(frame.agents.map((a) => a.ok), [true, false, false]);
  assert.match(frame.agents[1]!.error!, /ECONNREFUSED/);
  assert.match(frame.agents[2]!.error!, /HTTP 503/);
  const reviews = frame.rows.find((r) => r.name === 'reviews');
  assert.ok(reviews && reviews.requestsPerSecond > 0, JSON.stringify(frame.rows));
  assert.ok(reviews.bytesPerSecond > 0);

  const text = renderFrame(frame);
  assert.match(text, /^NAMESPACE\s+SERVICE\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P99\s+TCP_CONN\s+BYTES\/s$/m);
  assert.match(text, /^shop\s+reviews\s+100\.00%\s+\d+\.\drps\s+[\d.]+ms\s+[\d.]+ms\s+0\s+[\d.]+k?B\/s$/m);
  assert.match(text, /1\/3 agents answered/);
  assert.ok(text.includes(`! ${dead}: connect ECONNREFUSED`), text);
});

test('--once --json: one JSON document after two scrapes, the unreachable agent listed with its error', async () => {
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const traffic = setTimeout(() => agent.request('reviews', 503, 40), 100);
  const measured = await runTop(
    { agents: [live, dead], groupBy: 'service', intervalMs: 300, durationMs: 10_000, once: true, json: true, output },
    new AbortController().signal,
  );
  clearTimeout(traffic);
  assert.equal(measured, true);
  const lines = written.trim().split('\n');
  assert.equal(lines.length, 1, written);
  const frame = JSON.parse(lines[0]!);
  assert.deepEqual(frame.agents.map((a: { ok: boolean }) => a.ok), [true, false]);
  const reviews = frame.rows.find((r: { name: string }) => r.name === 'reviews');
  assert.ok(reviews.requestsPerSecond > 0);
  assert.equal(reviews.successRate, 0);
});

test('--once with no agent answering: nothing measured (the command exits 1), no exception', async () => {
  const output = new PassThrough();
  output.resume();
  const measured = await runTop(
    { agents: [dead], groupBy: 'service', intervalMs: 200, durationMs: 5000, once: true, json: false, output },
    new AbortController().signal,
  );
  assert.equal(measured, false);
});

test('agent addresses: IP, IP:PORT and URLs become metrics URLs', () => {
  assert.equal(agentUrl('10.10.0.1'), 'http://10.10.0.1:15020/metrics');
  assert.equal(agentUrl('10.10.0.1:9090'), 'http://10.10.0.1:9090/metrics');
  assert.equal(agentUrl('http://10.10.0.2:15020/metrics'), 'http://10.10.0.2:15020/metrics');
  assert.equal(agentUrl('http://node-2:15020'), 'http://node-2:15020/metrics');
  assert.equal(agentUrl('ftp://10.10.0.1/'), undefined);
  assert.equal(agentUrl('not a host'), undefined);
});
