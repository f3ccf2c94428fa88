/**
 * One pod must not be able to stop the mesh for its whole node. A flooder
 * pod opens 20,000 connections (two workers in the pod, since a worker's own
 * open-file limit is the machine's 20,000) through the proxy, then 20,000
 * idle ones to port 15020, which every pod reaches; meanwhile a bystander pod
 * of the same node must keep connecting through the proxy and readiness must
 * keep answering, and the refusals must be counted and logged (rate-limited).
 * Regression test of issue 20's item 3.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultHealthServerLimits } from '../../agent/admin/health-server.js';
import type { PodWorker } from '../../testbed/pod-worker-client.js';
import type { FloodResult } from '../../testbed/pod-worker-flood.js';
import { TestbedMesh, type MeshPod, type MeshService } from '../../testbed/mesh.js';

const vip = '10.96.0.70';
const port = 7000;
const metricsPort = 15020;
const floodPerWorker = 10_000;
const limitMessage = 'connection refused: a connection limit was reached';

/** The sum of a metric's samples whose labels include `match`, from Prometheus text. */
function metricValue(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const parsed = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!parsed || parsed[1] !== name) continue;
    const labels = Object.fromEntries([...(parsed[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(match).every(([key, value]) => labels[key] === value)) sum += Number(parsed[3]);
  }
  return sum;
}

function sum(table: Record<string, number>): number {
  return Object.values(table).reduce((a, b) => a + b, 0);
}

describe('a connection flood from one pod leaves its node usable', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  let floodWorkers: PodWorker[];
  let perPod: number;
  const pods: MeshPod[] = [
    { name: 'flooder', node: 'node-1', labels: { app: 'flooder' } },
    { name: 'bystander', node: 'node-1', labels: { app: 'bystander' } },
    { name: 'echo', node: 'node-1', labels: { app: 'echo' } },
  ];
  const services: MeshService[] = [{ name: 'echo', clusterIP: vip, port, selector: { app: 'echo' } }];

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1'], pods, services });
    await mesh.worker('echo').request('listen', { port, mode: 'hello-echo' });
    floodWorkers = [mesh.worker('flooder'), await mesh.testbed.startWorker('flooder')];
    const agent = await mesh.startAgent('node-1');
    const limits = mesh.testbed.readLogLines(agent.logFile).find((line) => line.msg === 'connection limits');
    assert.ok(limits, "the agent logs its 'connection limits' at start");
    perPod = limits.limits.perSource;
    assert.ok(perPod > 0 && perPod < 2 * floodPerWorker, `the per-pod limit (${perPod}) is below the flood`);
  });

  after(async () => {
    await mesh?.destroy();
  });

  async function scrape(): Promise<string> {
    const { ip, netns } = mesh.testbed.node('node-1');
    const { stdout } = await mesh.testbed.run(['curl', '-sS', '--max-time', '5', `http://${ip}:${metricsPort}/metrics`], { netns, timeoutMs: 10_000 });
    return stdout;
  }

  /** Readiness as the kubelet asks it, from the node: the status code and how long it took. */
  async function readiness(): Promise<{ code: string; ms: number }> {
    const { ip, netns } = mesh.testbed.node('node-1');
    const started = performance.now();
    const { stdout } = await mesh.testbed.run(
      ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', `http://${ip}:${metricsPort}/healthz/ready`],
      { netns, timeoutMs: 10_000 },
    ).catch((error: Error) => ({ stdout: `failed: ${error.message}` }));
    return { code: stdout.trim(), ms: Math.round(performance.now() - started) };
  }

  /** Polls `read` until `done`, bounded in count and time. */
  async function until(read: () => Promise<number>, done: (value: number) => boolean, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    for (let i = 0; i < 200 && !done(value) && Date.now() < deadline; i++) {
      await sleep(100);
      value = await read();
    }
    return value;
  }

  /** While a flood holds: the bystander's connections through the proxy and the node's readiness. */
  async function bystanderDuringFlood(reason: string) {
    // The flood is on once the proxy has refused some of it.
    const refusedSoFar = await until(async () => metricValue(await scrape(), 'weft_connections_refused_total', { reason }), (n) => n > 0, 30_000);
    assert.ok(refusedSoFar > 0, `the flood reached a limit (${reason})`);
    const connects = await mesh.worker('bystander').request('connectMany', { host: vip, port, count: 200, concurrency: 10, timeoutMs: 3000 });
    const ready = [];
    for (let i = 0; i < 5; i++) ready.push(await readiness());
    return { connects, ready };
  }

  test('20,000 connections from one pod through the proxy: its share is admitted, the rest reset and counted; a bystander and readiness are untouched', async () => {
    const baseline = await mesh.worker('bystander').request('connectMany', { host: vip, port, count: 50, concurrency: 10, timeoutMs: 3000 });
    assert.equal(baseline.ok, 50, 'the bystander connects before the flood');
    const refusedBefore = metricValue(await scrape(), 'weft_connections_refused_total', { reason: 'pod_connection_limit' });

    const floods = floodWorkers.map((worker) =>
      worker.request<FloodResult>('flood', { host: vip, port, count: floodPerWorker, concurrency: 500, holdMs: 6000, timeoutMs: 5000 }),
    );
    const during = await bystanderDuringFlood('pod_connection_limit');
    const results = await Promise.all(floods);

    assert.deepEqual(during.connects.errors, {}, 'every connection of the bystander went through during the flood');
    assert.equal(during.connects.ok, 200);
    assert.deepEqual(during.ready.map((r) => r.code), ['200', '200', '200', '200', '200'], `readiness answered during the flood (${JSON.stringify(during.ready)})`);

    const held = results.reduce((n, r) => n + r.held, 0);
    assert.equal(held, perPod, `the flooder held exactly its share (${perPod}): ${JSON.stringify(results)}`);
    // A reset that arrives before the client saw its connect complete is reported as a failed connect.
    const ends = results.flatMap((r) => [...Object.entries(r.cut), ...Object.entries(r.failed)]);
    assert.deepEqual(ends.filter(([code]) => code !== 'ECONNRESET'), [], 'the excess was reset by the proxy, nothing else happened to it');
    const reset = ends.reduce((n, [, count]) => n + count, 0);
    assert.equal(held + reset, 2 * floodPerWorker);

    const text = await scrape();
    const refused = metricValue(text, 'weft_connections_refused_total', { reason: 'pod_connection_limit' }) - refusedBefore;
    assert.equal(refused, reset, 'every reset connection is counted in weft_connections_refused_total{reason="pod_connection_limit"}');
    // Released as the flood ends: the budget comes back whole.
    const inUse = await until(async () => metricValue(await scrape(), 'weft_proxy_descriptors', { state: 'in_use' }), (n) => n === 0, 15_000);
    assert.equal(inUse, 0, 'no descriptor is left counted once the flood is gone');

    const lines = mesh.testbed.readLogLines(mesh.agents.get('node-1')!.logFile).filter((line) => line.msg === limitMessage && line.listener === 'outbound');
    assert.ok(lines.length >= 1, 'the refusals are logged');
    assert.ok(lines.length <= 5, `...at most once per 10 s, not per connection (${lines.length} lines for ${reset} refusals)`);
    assert.equal(lines[0]!.reason, 'pod_connection_limit');
    assert.equal(lines[0]!.src.addr, mesh.testbed.pod('flooder').ip);
  });

  test('20,000 idle connections from one pod to port 15020: a few per source are held and closed when idle, readiness and metrics answer throughout', async () => {
    const { ip, netns } = mesh.testbed.node('node-1');
    const refusedBefore = metricValue(await scrape(), 'weft_connections_refused_total', { reason: 'metrics_connection_limit' });
    const floods = floodWorkers.map((worker) =>
      // Held past the idle timeout (10 s): the ones admitted must be closed by it.
      worker.request<FloodResult>('flood', { host: ip, port: metricsPort, count: floodPerWorker, concurrency: 500, holdMs: 12_000, timeoutMs: 5000 }),
    );
    const floodStarted = Date.now();
    const during = await bystanderDuringFlood('metrics_connection_limit');
    // Past the idle timeout, with the flood still holding: the agent itself holds none of its connections.
    await sleep(Math.max(0, floodStarted + defaultHealthServerLimits.idleMs + 1500 - Date.now()));
    const { stdout: established } = await mesh.testbed.run(['ss', '-Htn', 'state', 'established', `( sport = :${metricsPort} )`], { netns });
    const results = await Promise.all(floods);

    assert.deepEqual(during.ready.map((r) => r.code), ['200', '200', '200', '200', '200'], `readiness answered during the flood (${JSON.stringify(during.ready)})`);
    assert.deepEqual(during.connects.errors, {}, 'the bystander connected through the proxy during the flood');
    assert.equal(established.trim(), '', 'no idle connection to 15020 outlived the idle timeout on the agent side');
    // The flooder may count a few connections as held that the agent never accepted: under a SYN flood the
    // kernel answers with SYN cookies, and a client that sends nothing never completes them on the server.
    const held = results.reduce((n, r) => n + r.held, 0);
    const cut = results.reduce((n, r) => n + sum(r.cut), 0);
    // (258 of 20,000 in one run): what the agent holds is what counts, and ss above says it holds none.
    const failed = results.reduce((n, r) => n + sum(r.failed), 0);
    assert.equal(held + cut + failed, 2 * floodPerWorker, `every attempt is accounted for: ${JSON.stringify(results)}`);
    const refused = metricValue(await scrape(), 'weft_connections_refused_total', { reason: 'metrics_connection_limit' }) - refusedBefore;
    // The 16 admitted (defaultHealthServerLimits.perSource) were closed when idle; every other one was refused.
    assert.equal(refused, cut - defaultHealthServerLimits.perSource, `every refused connection is counted (${refused} refused, ${cut} cut, ${held} held)`);
    const lines = mesh.testbed.readLogLines(mesh.agents.get('node-1')!.logFile).filter((line) => line.msg === limitMessage && line.listener === 'metrics');
    assert.ok(lines.length >= 1 && lines.length <= 5, `the refusals are logged, rate-limited (${lines.length} lines)`);
  });
});
