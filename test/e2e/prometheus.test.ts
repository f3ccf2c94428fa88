/**
 * A real Prometheus (Debian's package) scrapes the agents of a two-node mesh,
 * as an operator would run it: the scrape job is the static example of
 * deploy/observability/prometheus-scrape.yaml pointed at the testbed's nodes.
 * A client pod sends HTTP at a fixed rate to a service with a backend on each
 * node (the far one through the mTLS tunnel); the rate Prometheus computes from
 * the agents' counters must match the rate the client measured, each agent's
 * page must pass `promtool check metrics`, and every query of the Grafana
 * dashboard must run on that server and read metrics the agents expose.
 *
 * Prometheus runs inside node-1's network namespace (loopback there for its
 * API, the node addresses for its targets), spawned through the testbed so
 * teardown kills it; its TSDB lives in the run dir.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { dashboardQueries, familiesOfExposition, loadDashboard, metricNames, seriesNames } from '../observability/dashboard-queries.js';
import { promtool } from '../observability/promtool.js';
import type { DriveSummary } from './http-load.js';
import { TestbedMesh, installRoot, type MeshPod } from '../../testbed/mesh.js';

const webVip = '10.96.0.60';
const webPort = 8080;
const metricsPort = 15020;
/** requests per second the client is asked for, and for how long: the 1m rate window fits inside with room either side */
const driveRate = 20;
const driveSeconds = 75;
const windowSeconds = 60;
const prometheusAddress = '127.0.0.1:9090';
const loadScript = fileURLToPath(new URL('./http-load.js', import.meta.url));
const scrapeConfigFile = join(installRoot, 'deploy', 'observability', 'prometheus-scrape.yaml');

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The client's measured rate over Prometheus' window (time - 60 s, time]: responses that ended in it, per second. */
function measuredRate(completions: number[], timeSeconds: number): number {
  const endMs = timeSeconds * 1000;
  const startMs = endMs - windowSeconds * 1000;
  return completions.filter((at) => at > startMs && at <= endMs).length / windowSeconds;
}

function withinTenPercent(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 0.1 * expected;
}

describe('Prometheus scrapes the agents', { timeout: 150_000 }, () => {
  let mesh: TestbedMesh;
  let node1Netns: string;
  let targets: string[];
  const pods: MeshPod[] = [
    { name: 'client', node: 'node-1', labels: { app: 'client' } },
    { name: 'web-1', node: 'node-1', labels: { app: 'web' } },
    { name: 'web-2', node: 'node-2', labels: { app: 'web' } },
  ];

  /** GET on Prometheus' HTTP API from inside node-1's namespace. */
  async function promApi(path: string, params: Record<string, string>): Promise<any> {
    const args = ['curl', '-sS', '--max-time', '5', '-G', `http://${prometheusAddress}${path}`];
    for (const [key, value] of Object.entries(params)) args.push('--data-urlencode', `${key}=${value}`);
    const { stdout } = await mesh.testbed.run(args, { netns: node1Netns, timeoutMs: 10_000 });
    const body = JSON.parse(stdout) as { status: string; data: any; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    return body.data;
  }

  async function query(expr: string, time?: number): Promise<PromSample[]> {
    const data = await promApi('/api/v1/query', { query: expr, ...(time === undefined ? {} : { time: time.toFixed(3) }) });
    return data.result as PromSample[];
  }

  /** One number from a query that sums to a single series. */
  async function scalarAt(expr: string, time: number): Promise<number> {
    const result = await query(expr, time);
    assert.equal(result.length, 1, `${expr} at ${time}: ${JSON.stringify(result)}`);
    return Number(result[0]!.value[1]);
  }

  /** An agent's /metrics page, fetched inside node-1's namespace as Prometheus sees it. */
  async function metricsPage(target: string): Promise<string> {
    const { stdout } = await mesh.testbed.run(['curl', '-sS', '--fail', '--max-time', '5', `http://${target}/metrics`], { netns: node1Netns });
    return stdout;
  }

  /** Runs the load client in the client pod (its cgroup: the eBPF redirect applies) and returns its summary. */
  async function drive(rate: number, seconds: number): Promise<DriveSummary> {
    const child = mesh.testbed.spawnInPod('client', [
      process.execPath, loadScript, 'drive',
      '--url', `http://${webVip}:${webPort}/`,
      '--rate', String(rate),
      '--seconds', String(seconds),
      '--timeout-ms', '3000',
    ]);
    const done = await mesh.testbed.waitForLog(child, (line) => line.msg === 'drive done', (seconds + 15) * 1000);
    return done as unknown as DriveSummary;
  }

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods,
      services: [{ name: 'web', clusterIP: webVip, port: webPort, selector: { app: 'web' } }],
    });
    node1Netns = mesh.testbed.node('node-1').netns;
    targets = mesh.testbed.nodes.map((node) => `${node.ip}:${metricsPort}`);

    // The service speaks HTTP, and says so, as a Kubernetes Service would.
    const manifest = join(mesh.configDir, 'mesh.yaml');
    const documents = parseAllDocuments(readFileSync(manifest, 'utf8')).map((doc) => doc.toJS());
    for (const doc of documents.filter((d) => d.kind === 'Service')) {
      for (const port of doc.spec.ports) Object.assign(port, { name: 'http', appProtocol: 'http' });
    }
    writeFileSync(manifest, documents.map((d) => stringify(d)).join('---\n'));

    for (const pod of ['web-1', 'web-2']) {
      const server = mesh.testbed.spawnInPod(pod, [process.execPath, loadScript, 'serve', '--port', String(webPort), '--name', pod]);
      await mesh.testbed.waitForLog(server, (line) => line.msg === 'listening', 10_000);
    }
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    // The first cross-node request waits for the client's certificate: warm up until both backends answer.
    const answered = new Set<string>();
    for (let attempt = 0; attempt < 15 && answered.size < 2; attempt++) {
      const warm = await drive(10, 1);
      for (const pod of Object.keys(warm.byPod)) answered.add(pod);
      if (answered.size < 2) await sleep(500);
    }
    assert.deepEqual([...answered].sort(), ['web-1', 'web-2'], 'both backends answer through the mesh before the measured run');

    // Prometheus with the shipped static job, aimed at this testbed's nodes, scraping every second.
    const shipped = parse(readFileSync(scrapeConfigFile, 'utf8')) as { scrape_configs: Array<Record<string, any>> };
    const staticJob = shipped.scrape_configs.find((job) => job.static_configs);
    assert.ok(staticJob, 'the shipped scrape config has a static job');
    staticJob.static_configs = mesh.testbed.nodes.map((node) => ({ targets: [`${node.ip}:${metricsPort}`], labels: { node: node.name } }));
    const promDir = join(mesh.testbed.runDir, 'prometheus');
    mkdirSync(join(promDir, 'data'), { recursive: true });
    const promConfig = join(promDir, 'prometheus.yaml');
    writeFileSync(promConfig, stringify({ global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' }, scrape_configs: [staticJob] }));
    const prometheus = mesh.testbed.spawnInNode(
      'node-1',
      [
        'prometheus',
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=${prometheusAddress}`,
        '--log.format=json',
      ],
      { logFile: join(promDir, 'prometheus.log') },
    );
    await mesh.testbed.waitForLog(prometheus, (line) => line.msg === 'Server is ready to receive web requests.', 30_000);
  });

  after(async () => {
    await mesh?.destroy();
  });

  test('Prometheus scrapes both agents: up is 1 for each node', async () => {
    let up: PromSample[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      up = await query(`up{job="weft-agent-static"}`);
      if (up.length === 2 && up.every((sample) => sample.value[1] === '1')) break;
      await sleep(200);
    }
    assert.deepEqual(
      up.map((sample) => [sample.metric.instance, sample.metric.node, sample.value[1]]).sort(),
      [
        [targets[0], 'node-1', '1'],
        [targets[1], 'node-2', '1'],
      ],
    );
  });

  test(`the request rate Prometheus computes is within 10 % of the rate the client drove (${driveRate}/s for ${driveSeconds} s)`, async (t) => {
    const result = await drive(driveRate, driveSeconds);
    assert.equal(result.failed, 0, `failures: ${JSON.stringify(result.outcomes)}`);
    assert.equal(result.ok, driveRate * driveSeconds);
    assert.ok((result.byPod['web-1'] ?? 0) > 0 && (result.byPod['web-2'] ?? 0) > 0, `both backends, across nodes: ${JSON.stringify(result.byPod)}`);

    // A window well inside the run: it ends 1.5 s before the last response, so it holds no ramp-down.
    const time = (result.completions.at(-1)! - 1500) / 1000;
    assert.ok(time - windowSeconds > result.startedMs / 1000 + 5, 'the 1m window starts after the run began');
    const measured = measuredRate(result.completions, time);
    const overall = (result.completions.length - 1) / ((result.completions.at(-1)! - result.completions[0]!) / 1000);
    await sleep(2000); // the scrapes around `time` are in the TSDB

    const connections = await scalarAt(
      `sum(rate(istio_tcp_connections_opened_total{destination_service_name="web",reporter="source"}[1m]))`,
      time,
    );
    const requests = await scalarAt(`sum(rate(istio_requests_total{destination_service_name="web"}[1m]))`, time);
    const ok = await scalarAt(`sum(rate(istio_requests_total{destination_service_name="web",response_code="200"}[1m]))`, time);
    t.diagnostic(
      `client: ${measured.toFixed(3)} req/s in the window (${overall.toFixed(3)} over the whole run); ` +
        `Prometheus: istio_requests_total ${requests.toFixed(3)}/s (200: ${ok.toFixed(3)}/s), istio_tcp_connections_opened_total ${connections.toFixed(3)}/s`,
    );
    assert.ok(withinTenPercent(connections, measured), `connections opened ${connections}/s vs ${measured}/s measured (one connection per request)`);
    assert.ok(withinTenPercent(requests, measured), `istio_requests_total ${requests}/s vs ${measured}/s measured`);
    assert.ok(withinTenPercent(ok, measured), `istio_requests_total{response_code="200"} ${ok}/s vs ${measured}/s measured`);
  });

  // promtool's lint says Istio's own histogram name should use seconds. Istio,
  // Kiali and every Istio dashboard query istio_request_duration_milliseconds,
  // so Weft keeps that name (the issue asks for both; compatibility wins) and
  // this test allows exactly that one finding, and nothing else, on each page.
  const istioNameFinding = 'istio_request_duration_milliseconds use base unit "seconds" instead of "milliseconds"';
  test('promtool check metrics finds no problem on either agent\'s /metrics beyond Istio\'s own histogram name', async () => {
    const pages = await Promise.all(targets.map(async (target) => ({ target, page: await metricsPage(target) })));
    // The client's node reports the requests (reporter="source"); the other node only the tunnelled connections.
    assert.ok(pages.some(({ page }) => /^istio_request_duration_milliseconds_bucket\{/m.test(page)), 'an agent has seen HTTP');
    for (const { target, page } of pages) {
      assert.match(page, /^istio_tcp_connections_opened_total\{/m, `${target} has seen traffic`);
      const result = await promtool(['check', 'metrics'], { stdin: page });
      const findings = (result.stdout + result.stderr).split('\n').map((line) => line.trim()).filter(Boolean);
      assert.deepEqual(findings.filter((finding) => finding !== istioNameFinding), [], `${target}: promtool check metrics`);
      // Without that one family the page is clean: promtool exits 0 and says nothing.
      const withoutIstioHistogram = page
        .split('\n')
        .filter((line) => !/^(# (HELP|TYPE) )?istio_request_duration_milliseconds/.test(line))
        .join('\n');
      const clean = await promtool(['check', 'metrics'], { stdin: withoutIstioHistogram });
      assert.deepEqual({ code: clean.code, output: clean.stdout + clean.stderr }, { code: 0, output: '' }, `${target} without the Istio histogram`);
    }
  });

  test('every query of the Grafana dashboard runs on this Prometheus and reads metrics the agents expose', async () => {
    const exposed = new Set<string>();
    for (const target of targets) for (const name of seriesNames(familiesOfExposition(await metricsPage(target)))) exposed.add(name);
    const withData = new Set<string>();
    for (const { panel, refId, promql } of dashboardQueries(loadDashboard())) {
      for (const name of metricNames(promql)) assert.ok(exposed.has(name), `panel "${panel}" reads ${name}, which no agent exposes`);
      const result = await query(promql).catch((error: Error) => assert.fail(`panel "${panel}" ${refId}: ${error.message}`));
      if (result.length > 0) withData.add(panel);
    }
    // What this run's traffic and agents must show; refusals, enrol trouble and overflow have nothing to show here.
    const expected = [
      'Requests per second',
      'Success rate',
      'Request duration p50 / p99',
      'TCP connections opened per second',
      'TCP bytes per second',
      'Redirected connects per second',
      'BPF map fill',
      'Config version',
      'Control plane connected',
      'Certificate expiry per identity',
      'Tunnel handshakes per second, by result',
      'Open tunnel sessions',
      'CPU',
      'Resident memory',
    ];
    assert.deepEqual(expected.filter((panel) => !withData.has(panel)), [], 'panels without data');
    const connected = await query('max by (node) (weft_control_plane_connected)');
    assert.deepEqual(connected.map((s) => [s.metric.node, s.value[1]]).sort(), [['node-1', '1'], ['node-2', '1']]);
  });
});
