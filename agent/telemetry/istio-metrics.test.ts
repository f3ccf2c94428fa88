import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service, Workload } from '../../model/types.js';
import { AgentMetrics } from '../metrics.js';
import { tcpLabels } from './labels.js';
import type { Destination } from '../state/destination.js';

const source = { file: 'test', document: 0 };
const apps = ['frontend', 'cart', 'checkout', 'payments', 'search'];

function pod(app: string, i: number, node = 'node-1'): Workload {
  return { name: `${app}-7d9f8-${i}`, namespace: 'shop', labels: { app }, node, ip: `10.244.${i % 250}.${(i % 200) + 2}`, serviceAccount: app, mesh: true, source };
}

function service(app: string): Service {
  return { name: app, namespace: 'shop', clusterIP: '10.96.0.10', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], source };
}

/** Every pod calls a pod of the next app, as TCP and as HTTP with a few response codes. */
function drive(metrics: AgentMetrics, pods: Workload[]): void {
  for (const [i, from] of pods.entries()) {
    const app = from.labels['app']!;
    const next = apps[(apps.indexOf(app) + 1) % apps.length]!;
    const to = pod(next, i, 'node-2');
    const svc = service(next);
    const destination: Destination = { kind: 'service', service: svc, port: svc.ports[0]!, endpoints: [{ workload: to, ip: to.ip, port: 8080 }] };
    const labels = tcpLabels(from, destination, { workload: to, ip: to.ip, port: 8080 }, { trustDomain: 'cluster.local', tunnelled: true });
    metrics.istio.tcpConnection(labels).closed(100, 200);
    const recordHttp = metrics.istio.httpConnection(labels);
    for (const code of ['200', '404', '503']) recordHttp(code, '-', { durationMs: 3, requestBodyBytes: 10, responseBodyBytes: 20 });
  }
}

async function seriesCount(metrics: AgentMetrics): Promise<number> {
  const families = await metrics.registry.getMetricsAsJSON();
  return families.filter((f) => f.name.startsWith('istio_')).reduce((sum, f) => sum + f.values.length, 0);
}

async function value(metrics: AgentMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
}

test('500 pods of 5 apps give the same series as 5 pods: workload labels are owners, not pods', async () => {
  const metrics = new AgentMetrics();
  const firstOfEach = apps.map((app) => pod(app, 0));
  drive(metrics, firstOfEach);
  const afterFive = await seriesCount(metrics);
  const all = Array.from({ length: 500 }, (_, i) => pod(apps[i % apps.length]!, i));
  drive(metrics, all);
  assert.equal(await seriesCount(metrics), afterFive);
  assert.equal(await value(metrics, 'istio_tcp_connections_opened_total'), 505);
  assert.equal(await value(metrics, 'istio_requests_total', { response_code: '404' }), 505);
  assert.equal(await value(metrics, 'weft_metric_label_sets_dropped_total'), 0);
});

test('past the cap, new label sets fold into the overflow series: totals stay right, series stay bounded', async () => {
  const metrics = new AgentMetrics(undefined, { maxLabelSets: 10 });
  const many = Array.from({ length: 50 }, (_, i) => ({ ...pod(apps[0]!, i), labels: { app: `generated-${i}` } }));
  drive(metrics, many);
  const opened = (await metrics.registry.getSingleMetric('istio_tcp_connections_opened_total')!.get()).values;
  assert.equal(opened.length, 11);
  assert.equal(opened.reduce((sum, v) => sum + v.value, 0), 50);
  const overflow = opened.find((v) => v.labels.source_workload === 'overflow')!;
  assert.deepEqual(
    [overflow.value, overflow.labels.destination_principal, overflow.labels.reporter, overflow.labels.connection_security_policy],
    [40, 'overflow', 'source', 'mutual_tls'],
  );
  // HTTP: 3 response codes per pair: the cap admits pairs 0-2 and pair 3's 200; the codes survive the fold.
  assert.equal(await value(metrics, 'istio_requests_total'), 150);
  assert.equal(await value(metrics, 'istio_requests_total', { source_workload: 'overflow', response_code: '503' }), 47);
  assert.equal(await value(metrics, 'istio_tcp_sent_bytes_total'), 5000);
  assert.equal(await value(metrics, 'weft_metric_label_sets_dropped_total', { group: 'tcp' }), 40);
  assert.equal(await value(metrics, 'weft_metric_label_sets_dropped_total', { group: 'http' }), 140);
});
