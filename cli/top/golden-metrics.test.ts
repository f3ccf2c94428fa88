/**
 * Golden metrics from real prom-client output in the exact shape the agents
 * expose (Istio names, labels and buckets): scraped as text, parsed, then
 * compared between two scrapes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExposition } from './exposition.js';
import { goldenMetrics, increase, type ScrapePair } from './golden-metrics.js';
import { IstioRegistry } from './testing/istio-registry.js';

function row(rows: ReturnType<typeof goldenMetrics>, name: string) {
  const found = rows.find((r) => r.name === name);
  assert.ok(found, `no row ${name} in ${JSON.stringify(rows)}`);
  return found;
}

test('parsing keeps every label set of a labelled histogram apart, with its _sum and _count', async () => {
  const agent = new IstioRegistry();
  agent.request('reviews', 200, 3);
  agent.request('ratings', 200, 30);
  const samples = parseExposition(await agent.registry.metrics());
  const inf = samples.filter((s) => s.name === 'istio_request_duration_milliseconds_bucket' && s.labels.le === '+Inf');
  assert.deepEqual(inf.map((s) => [s.labels.destination_service_name, s.value]).sort(), [['ratings', 1], ['reviews', 1]]);
  const sums = samples.filter((s) => s.name === 'istio_request_duration_milliseconds_sum');
  assert.deepEqual(sums.map((s) => [s.labels.destination_service_name, s.value]).sort(), [['ratings', 30], ['reviews', 3]]);
});

test('requests/s, success rate (5xx fail, 4xx do not) and p50/p99 come from the interval between two scrapes only', async () => {
  const agent = new IstioRegistry();
  // Before the first scrape: slow, failing traffic that must not show in this interval.
  for (let i = 0; i < 100; i++) agent.request('reviews', 503, 2000);
  const first = await agent.scrape(10_000);
  for (let i = 0; i < 10; i++) agent.request('reviews', 200, 3); // (1, 5]
  for (let i = 0; i < 8; i++) agent.request('reviews', 404, 30); // (25, 50]
  for (let i = 0; i < 2; i++) agent.request('reviews', 503, 30);
  const second = await agent.scrape(12_000);

  const reviews = row(goldenMetrics([{ previous: first, current: second }], 'service'), 'reviews');
  assert.equal(reviews.namespace, 'shop');
  assert.equal(reviews.requestsPerSecond, 10); // 20 requests in 2 s
  assert.equal(reviews.successRate, 0.9);
  // cumulative deltas: le=5 -> 10, le=50 -> 20. p50: rank 10, all of (1, 5] -> 5.
  // p99: rank 19.8, 9.8 of the 10 in (25, 50] -> 25 + 25 * 0.98.
  assert.equal(reviews.latencyP50Ms, 5);
  assert.ok(Math.abs(reviews.latencyP99Ms! - 49.5) < 1e-9, String(reviews.latencyP99Ms));
});

test('a counter that went down restarted: its increase is its new value', async () => {
  assert.equal(increase(50, 5), 5);
  assert.equal(increase(undefined, 7), 7);
  assert.equal(increase(40, 52), 12);

  const before = new IstioRegistry();
  for (let i = 0; i < 50; i++) before.request('reviews', 200, 3);
  const first = await before.scrape(0);
  const restarted = new IstioRegistry(); // the agent restarted: its counters start over
  for (let i = 0; i < 4; i++) restarted.request('reviews', 200, 30);
  const second = await restarted.scrape(2000);
  const reviews = row(goldenMetrics([{ previous: first, current: second }], 'service'), 'reviews');
  assert.equal(reviews.requestsPerSecond, 2);
  assert.equal(reviews.successRate, 1);
  assert.ok(reviews.latencyP50Ms! > 25 && reviews.latencyP50Ms! <= 50, String(reviews.latencyP50Ms)); // only the new requests
});

test('two agents are summed: rates add, histograms merge before the quantile', async () => {
  const node1 = new IstioRegistry();
  const node2 = new IstioRegistry();
  const pairs: ScrapePair[] = [];
  const firsts = [await node1.scrape(0), await node2.scrape(0)];
  for (let i = 0; i < 6; i++) node1.request('reviews', 200, 3);
  for (let i = 0; i < 4; i++) node2.request('reviews', 500, 300);
  node1.connection('reviews', 1000, 4000);
  node2.connection('reviews', 500, 500);
  node2.connection('reviews', 0, 0, { open: true });
  pairs.push({ previous: firsts[0]!, current: await node1.scrape(2000) }, { previous: firsts[1]!, current: await node2.scrape(2000) });

  const reviews = row(goldenMetrics(pairs, 'service'), 'reviews');
  assert.equal(reviews.requestsPerSecond, 5);
  assert.equal(reviews.successRate, 0.6);
  // rank 5 of 10: 5 of the 6 fast ones in (1, 5] -> 1 + 4 * 5/6
  assert.ok(Math.abs(reviews.latencyP50Ms! - 13 / 3) < 1e-9, String(reviews.latencyP50Ms));
  // rank 9.9: 3.9 of the 4 slow ones in (250, 500] -> 250 + 250 * 3.9/4
  assert.ok(Math.abs(reviews.latencyP99Ms! - 493.75) < 1e-9, String(reviews.latencyP99Ms));
  assert.equal(reviews.tcpOpenConnections, 1);
  assert.equal(reviews.bytesPerSecond, 3000); // (1000 + 4000 + 500 + 500) bytes in 2 s
});

test('reporter="destination" series are not counted again', async () => {
  const agent = new IstioRegistry();
  const first = await agent.scrape(0);
  agent.connection('reviews', 100, 100);
  agent.connection('reviews', 5000, 5000, { reporter: 'destination' });
  agent.request('reviews', 200, 3, { reporter: 'destination' });
  const reviews = row(goldenMetrics([{ previous: first, current: await agent.scrape(1000) }], 'service'), 'reviews');
  assert.equal(reviews.bytesPerSecond, 200);
  assert.equal(reviews.requestsPerSecond, 0);
  assert.equal(reviews.successRate, null);
  assert.equal(reviews.latencyP50Ms, null);
});

test('without TCP byte counters, bytes/s is HTTP request + response bytes', async () => {
  const agent = new IstioRegistry();
  const first = await agent.scrape(0);
  agent.request('reviews', 200, 3, { requestBytes: 300, responseBytes: 1700 });
  const reviews = row(goldenMetrics([{ previous: first, current: await agent.scrape(2000) }], 'service'), 'reviews');
  assert.equal(reviews.bytesPerSecond, 1000);
});

test('--by workload: one row per destination workload', async () => {
  const agent = new IstioRegistry();
  const first = await agent.scrape(0);
  agent.request('reviews', 200, 3, { workload: 'reviews-v1' });
  agent.request('reviews', 200, 3, { workload: 'reviews-v2' });
  agent.request('reviews', 200, 3, { workload: 'reviews-v2' });
  const rows = goldenMetrics([{ previous: first, current: await agent.scrape(1000) }], 'workload');
  assert.deepEqual(rows.map((r) => [r.name, r.requestsPerSecond]), [['reviews-v1', 1], ['reviews-v2', 2]]);
});
