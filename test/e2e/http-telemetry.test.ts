/**
 * HTTP telemetry end to end: real agents on a real control plane (so the
 * cross-node path is the mTLS tunnel), a node:http server in a pod on each
 * node, a node:http client (and curl) in a pod of node-1. What an operator
 * reads from /metrics and the access log has to match what the client did:
 * request counts per response code, the byte histograms, the TCP byte
 * counters to the byte, trace context arriving unchanged, one count per
 * request across both agents, and nothing logged with --access-log off.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestbedMesh, type MeshPod, type MeshService } from '../../testbed/mesh.js';

const appScript = fileURLToPath(new URL('./http-telemetry-app.js', import.meta.url));
const appPort = 8080;
const near: MeshService = { name: 'web-near', clusterIP: '10.96.0.60', port: appPort, selector: { app: 'web-near' } };
const far: MeshService = { name: 'web-far', clusterIP: '10.96.0.61', port: appPort, selector: { app: 'web-far' } };
const pods: MeshPod[] = [
  { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
  { name: 'web-1', node: 'node-1', labels: { app: 'web-near' } },
  { name: 'web-2', node: 'node-2', labels: { app: 'web-far' } },
];
const accessMessages = new Set(['connection complete', 'connection refused', 'inbound connection complete', 'inbound connection refused', 'request complete']);

interface Sample {
  labels: Record<string, string>;
  value: string;
}
interface Family {
  name: string;
  metrics: Sample[];
}
/**
 * parse-prometheus-text-format folds every labelled series of a histogram
 * into one; without the TYPE line a histogram's _bucket, _sum and _count
 * lines parse as plain labelled samples, which is all these checks need.
 */
const parseText = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];
const parseMetrics = (text: string): Family[] => parseText(text.replace(/^# TYPE \S+ histogram$/gm, ''));

type Labels = Record<string, string>;

class Scrape {
  constructor(readonly families: Family[]) {}

  /** Sum over the series of `name` whose labels include `match`. */
  sum(name: string, match: Labels = {}): number {
    return this.families
      .filter((family) => family.name === name)
      .flatMap((family) => family.metrics)
      .filter((sample) => Object.entries(match).every(([key, value]) => sample.labels?.[key] === value))
      .reduce((total, sample) => total + Number(sample.value), 0);
  }

  values(name: string, label: string, match: Labels = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const family of this.families.filter((f) => f.name === name)) {
      for (const sample of family.metrics) {
        if (!Object.entries(match).every(([key, value]) => sample.labels?.[key] === value)) continue;
        const key = sample.labels[label] ?? '';
        out[key] = (out[key] ?? 0) + Number(sample.value);
      }
    }
    return out;
  }
}

async function scrape(mesh: TestbedMesh, node: string): Promise<Scrape> {
  const { ip, netns } = mesh.testbed.node(node);
  const { stdout } = await mesh.testbed.run(['curl', '-sS', '--max-time', '5', `http://${ip}:15020/metrics`], { netns, timeoutMs: 10_000 });
  return new Scrape(parseMetrics(stdout));
}

/** Polls a node's metrics until `done`, bounded; the last scrape either way. */
async function scrapeUntil(mesh: TestbedMesh, node: string, done: (s: Scrape) => boolean, timeoutMs = 15_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  let last = await scrape(mesh, node);
  for (let i = 0; i < 300 && !done(last) && Date.now() < deadline; i++) {
    await sleep(100);
    last = await scrape(mesh, node);
  }
  return last;
}

/** Every connection that series saw opened is closed, so its byte counters are final. */
const settled = (s: Scrape, match: Labels) =>
  s.sum('istio_tcp_connections_opened_total', match) === s.sum('istio_tcp_connections_closed_total', match);

/** A process in the pod's namespace and cgroup (so its connects are redirected), to its exit. */
async function runInPod(mesh: TestbedMesh, pod: string, argv: string[], timeoutMs: number): Promise<{ code: number | null; lines: string[] }> {
  const child: ChildProcess = mesh.testbed.spawnInPod(pod, argv);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, lines: mesh.testbed.capture(child)?.lines ?? [] };
}

/** curl from client-1 until the service answers 200 (the first cross-node call waits for certificates). */
async function warmUp(mesh: TestbedMesh, service: MeshService): Promise<void> {
  const url = `http://${service.clusterIP}:${service.port}/ok?bytes=1`;
  for (let attempt = 0; attempt < 40; attempt++) {
    const { lines } = await runInPod(mesh, 'client-1', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '--max-time', '2', url], 5000);
    if (lines.includes('200')) return;
    await sleep(250);
  }
  throw new Error(`${service.name} did not answer 200 from client-1`);
}

interface PlannedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: number;
  traceId: string;
}

/** `ok` 200s (every fourth a POST with a body) and `missing` 404s spread among them, each with its own trace. */
function makePlan(ok: number, missing: number): PlannedRequest[] {
  const total = ok + missing;
  const step = Math.floor(total / missing);
  let missed = 0;
  return Array.from({ length: total }, (_, i) => {
    const traceId = randomBytes(16).toString('hex');
    const headers = { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, baggage: `tenant=t${i % 3},session=s${i}` };
    if (i % step === step - 1 && missed < missing) {
      missed++;
      return { method: 'GET', path: `/missing?i=${i}`, headers, traceId };
    }
    if (i % 4 === 3) return { method: 'POST', path: `/ok?bytes=${(i * 131) % 7000}`, headers, body: 200 + i * 17, traceId };
    return { method: 'GET', path: `/ok?bytes=${(i * 977) % 20000}&i=${i}`, headers, traceId };
  });
}

interface ClientRun {
  results: Array<{ status: number; bodyBytes: number }>;
  sentBytes: number;
  receivedBytes: number;
  sockets: number;
}

async function runClient(mesh: TestbedMesh, service: MeshService, plan: PlannedRequest[], tag: string): Promise<ClientRun> {
  const file = join(mesh.testbed.runDir, `plan-${tag}.json`);
  writeFileSync(file, JSON.stringify({ base: `http://${service.clusterIP}:${service.port}`, requests: plan }));
  const child = mesh.testbed.spawnInPod('client-1', [process.execPath, appScript, '--role', 'client', '--plan', file]);
  const done = await mesh.testbed.waitForLog(child, (l) => l.msg === 'client done' || l.msg === 'client failed', 60_000);
  assert.equal(done.msg, 'client done', `the client failed: ${done.error}`);
  return done as unknown as ClientRun;
}

function agentLines(mesh: TestbedMesh, node: string): Array<Record<string, any>> {
  return mesh.testbed.readLogLines(mesh.agents.get(node)!.logFile);
}

describe('HTTP telemetry: Istio request metrics, exact byte counters, trace context through the tunnel, access logs', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  const servers = new Map<string, ChildProcess>();

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1', 'node-2'], pods, services: [near, far] });
    for (const pod of ['web-1', 'web-2']) {
      const child = mesh.testbed.spawnInPod(pod, [process.execPath, appScript, '--role', 'server', '--pod', pod, '--port', String(appPort)]);
      servers.set(pod, child);
      await mesh.testbed.waitForLog(child, (l) => l.msg === 'listening', 10_000);
    }
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    await warmUp(mesh, near);
    await warmUp(mesh, far);
  });

  after(async () => {
    await mesh?.destroy();
  });

  for (const [service, server, crossNode] of [
    [near, 'web-1', false],
    [far, 'web-2', true],
  ] as const) {
    test(`${crossNode ? 'cross-node, through the mTLS tunnel' : 'same node'}: 37 x 200 and 5 x 404 to ${service.name}, counted once, to the byte`, async () => {
      const source: Labels = { reporter: 'source', source_workload: 'client', destination_service_name: service.name };
      // The destination side knows the caller by its certificate (its agent is sent only the workloads that are service endpoints).
      const destination: Labels = { reporter: 'destination', destination_workload: service.name, source_principal: 'spiffe://cluster.local/ns/default/sa/client-1' };
      const before1 = await scrapeUntil(mesh, 'node-1', (s) => settled(s, source));
      const before2 = await scrapeUntil(mesh, 'node-2', (s) => settled(s, destination));
      const serverSeen = mesh.testbed.readLogLines(servers.get(server)!).filter((l) => l.msg === 'request').length;

      const plan = makePlan(37, 5);
      const run = await runClient(mesh, service, plan, service.name);
      assert.deepEqual(
        run.results.map((r) => r.status),
        plan.map((p) => (p.path.startsWith('/missing') ? 404 : 200)),
      );

      const http = { ...source, request_protocol: 'http' };
      const after1 = await scrapeUntil(
        mesh,
        'node-1',
        (s) => s.sum('istio_requests_total', http) - before1.sum('istio_requests_total', http) >= plan.length && settled(s, source),
      );
      const after2 = await scrapeUntil(mesh, 'node-2', (s) => !crossNode || settled(s, destination), 5000);
      const delta = (name: string, match: Labels, scrapes: [Scrape, Scrape] = [before1, after1]) => scrapes[1].sum(name, match) - scrapes[0].sum(name, match);
      const codes = (s: Scrape) => s.values('istio_requests_total', 'response_code', http);
      const byCode = Object.fromEntries(Object.entries(codes(after1)).map(([code, n]) => [code, n - (codes(before1)[code] ?? 0)]).filter(([, n]) => n !== 0));
      assert.deepEqual(byCode, { '200': 37, '404': 5 });
      assert.equal(delta('istio_request_duration_milliseconds_count', http), plan.length);
      assert.equal(delta('istio_request_bytes_count', http), plan.length);
      assert.equal(delta('istio_request_bytes_sum', http), plan.reduce((sum, p) => sum + (p.body ?? 0), 0));
      assert.equal(delta('istio_response_bytes_sum', http), run.results.reduce((sum, r) => sum + r.bodyBytes, 0));
      assert.equal(delta('istio_requests_total', { ...http, response_flags: '-' }), plan.length);
      const policy = crossNode ? 'mutual_tls' : 'unknown';
      assert.equal(delta('istio_requests_total', { ...http, connection_security_policy: policy }), plan.length);

      // Counted once: what a Prometheus sum over both agents' targets returns.
      const everywhere = { destination_service_name: service.name };
      assert.equal(delta('istio_requests_total', everywhere) + delta('istio_requests_total', everywhere, [before2, after2]), plan.length);

      // The wire: the TCP counters of both reporters hold exactly the client's bytes.
      assert.equal(delta('istio_tcp_sent_bytes_total', source), run.sentBytes, 'source: sent');
      assert.equal(delta('istio_tcp_received_bytes_total', source), run.receivedBytes, 'source: received');
      assert.equal(delta('istio_tcp_connections_closed_total', source), run.sockets);
      if (crossNode) {
        assert.equal(delta('istio_tcp_sent_bytes_total', destination, [before2, after2]), run.sentBytes, 'destination: sent');
        assert.equal(delta('istio_tcp_received_bytes_total', destination, [before2, after2]), run.receivedBytes, 'destination: received');
      }
      assert.equal(after1.sum('weft_http_observe_errors_total'), 0);

      // Trace context arrived at the server as the client sent it.
      const received = mesh.testbed.readLogLines(servers.get(server)!).filter((l) => l.msg === 'request').slice(serverSeen);
      assert.deepEqual(
        received.map((l) => [l.traceparent, l.baggage]),
        plan.map((p) => [p.headers.traceparent, p.headers.baggage]),
      );
      // The source agent's access log has one line per request, with its trace id.
      // The agent batches its log writes (up to 200 ms): give the last lines a moment to arrive.
      const requestLines = () => agentLines(mesh, 'node-1').filter((l) => l.msg === 'request complete' && l.dst?.service?.startsWith(`${service.name}.`));
      for (let waited = 0; waited < 3000 && !plan.every((p) => requestLines().some((l) => l.traceId === p.traceId)); waited += 100) await sleep(100);
      const byTrace = new Map(requestLines().map((l) => [l.traceId, l]));
      for (const [i, p] of plan.entries()) {
        const line = byTrace.get(p.traceId);
        assert.ok(line, `no access line for request ${i} (${p.traceId})`);
        assert.deepEqual(
          [line.method, line.path, line.status, line.requestBytes, line.responseBytes, line.src.workload, line.dst.principal],
          [p.method, p.path.split('?')[0], run.results[i]!.status, p.body ?? 0, run.results[i]!.bodyBytes, 'default/client-1', `spiffe://cluster.local/ns/default/sa/${server}`],
        );
      }
    });
  }

  test('the eBPF maps fill: weft_bpf_map_entries and weft_bpf_map_capacity', async () => {
    const s = await scrape(mesh, 'node-1');
    // mesh_dst: one entry per service port and per meshed pod.
    assert.equal(s.sum('weft_bpf_map_entries', { map: 'mesh_dst' }), 2 + pods.length);
    assert.deepEqual(s.values('weft_bpf_map_capacity', 'map'), { mesh_dst: 65536, cookie_orig_dst: 65536, pair_orig_dst: 65536, cgroup_ingress: 65536, inbound_capture: 65536 });
    assert.deepEqual(Object.keys(s.values('weft_bpf_map_entries', 'map')).sort(), ['cgroup_ingress', 'cookie_orig_dst', 'inbound_capture', 'mesh_dst', 'pair_orig_dst']);
  });

  test('--access-log off: metrics as before, not one access line on either agent', async () => {
    await mesh.stopAgent('node-1');
    await mesh.stopAgent('node-2');
    await mesh.startAgent('node-1', { args: ['--access-log', 'off'] });
    await mesh.startAgent('node-2', { args: ['--access-log', 'off'] });
    await mesh.waitForNodeAddresses();
    await warmUp(mesh, near);
    await warmUp(mesh, far);
    for (const service of [near, far]) {
      const match = { reporter: 'source', destination_service_name: service.name, request_protocol: 'http' };
      const before1 = await scrape(mesh, 'node-1');
      const plan = makePlan(8, 2);
      await runClient(mesh, service, plan, `${service.name}-off`);
      const after1 = await scrapeUntil(mesh, 'node-1', (s) => s.sum('istio_requests_total', match) - before1.sum('istio_requests_total', match) >= plan.length);
      assert.equal(after1.sum('istio_requests_total', match) - before1.sum('istio_requests_total', match), plan.length);
    }
    // Refusals are access lines too: a pod port nothing listens on is refused by the source proxy,
    // and across nodes by the destination proxy as well.
    const refusedBefore = (await scrape(mesh, 'node-1')).sum('weft_connections_refused_total', { reason: 'upstream_connect_failed' });
    for (const pod of ['web-1', 'web-2']) {
      await runInPod(mesh, 'client-1', ['curl', '-s', '--max-time', '3', `http://${mesh.testbed.pod(pod).ip}:9999/`], 6000);
    }
    const refused = await scrapeUntil(mesh, 'node-1', (s) => s.sum('weft_connections_refused_total', { reason: 'upstream_connect_failed' }) - refusedBefore >= 2);
    assert.equal(refused.sum('weft_connections_refused_total', { reason: 'upstream_connect_failed' }) - refusedBefore, 2);
    const refusedInbound = await scrapeUntil(mesh, 'node-2', (s) => s.sum('weft_connections_refused_total', { reason: 'tunnel_upstream_connect_failed' }) >= 1);
    assert.equal(refusedInbound.sum('weft_connections_refused_total', { reason: 'tunnel_upstream_connect_failed' }), 1);
    // Past the agent's log batching (200 ms), so a line it should not have written would be here.
    await sleep(500);
    for (const node of ['node-1', 'node-2']) {
      const lines = agentLines(mesh, node);
      assert.ok(lines.some((l) => l.msg === 'agent ready'), `${node} logs as usual`);
      assert.deepEqual(lines.filter((l) => accessMessages.has(l.msg)), [], `${node} wrote access lines`);
    }
  });
});
