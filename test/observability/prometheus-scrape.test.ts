/**
 * deploy/observability/prometheus-scrape.yaml checked by Prometheus' own
 * promtool: the config is valid, and its relabelling, run by promtool's
 * service discovery, turns the agent DaemonSet's pods into exactly one
 * target per node at <pod IP>:15020/metrics and drops everything else.
 *
 * Debian's Prometheus is built without Kubernetes service discovery (its
 * NEWS.Debian: "Kubernetes support has been completely removed"), so the
 * Kubernetes job is checked with its kubernetes_sd_configs swapped for a
 * file_sd_configs serving the target groups Kubernetes SD (role: pod) makes
 * for such pods: the same __meta_kubernetes_pod_* labels, one group per
 * declared container port, a port-less one for a container without ports.
 * Where promtool does have Kubernetes SD, the file is also checked as shipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { installRoot } from '../../core/paths.js';
import { promtool } from './promtool.js';

const scrapeFile = join(installRoot, 'deploy', 'observability', 'prometheus-scrape.yaml');

interface ScrapeJob {
  job_name: string;
  metrics_path?: string;
  kubernetes_sd_configs?: Array<{ role: string; namespaces?: { names: string[] } }>;
  file_sd_configs?: Array<{ files: string[] }>;
  static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
  relabel_configs?: unknown[];
}

interface DiscoveredTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string> | null;
}

interface PodTarget {
  namespace: string;
  pod: string;
  node: string;
  ip: string;
  labels: Record<string, string>;
  phase?: string;
  container: string;
  init?: boolean;
  port?: { number: number; name: string };
}

/** A target group as Kubernetes SD role "pod" makes it (discovery/kubernetes/pod.go). */
function podTargetGroup(target: PodTarget): { targets: string[]; labels: Record<string, string> } {
  const labels: Record<string, string> = {
    __meta_kubernetes_namespace: target.namespace,
    __meta_kubernetes_pod_name: target.pod,
    __meta_kubernetes_pod_ip: target.ip,
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_phase: target.phase ?? 'Running',
    __meta_kubernetes_pod_node_name: target.node,
    __meta_kubernetes_pod_host_ip: target.ip,
    __meta_kubernetes_pod_uid: `uid-${target.pod}`,
    __meta_kubernetes_pod_controller_kind: 'DaemonSet',
    __meta_kubernetes_pod_controller_name: target.labels['app.kubernetes.io/name'] ?? target.pod,
    __meta_kubernetes_pod_container_name: target.container,
    __meta_kubernetes_pod_container_image: `registry.example/${target.container}:1`,
    __meta_kubernetes_pod_container_init: String(target.init ?? false),
  };
  for (const [key, value] of Object.entries(target.labels)) {
    const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
    labels[`__meta_kubernetes_pod_label_${name}`] = value;
    labels[`__meta_kubernetes_pod_labelpresent_${name}`] = 'true';
  }
  if (target.port) {
    labels.__meta_kubernetes_pod_container_port_name = target.port.name;
    labels.__meta_kubernetes_pod_container_port_number = String(target.port.number);
    labels.__meta_kubernetes_pod_container_port_protocol = 'TCP';
  }
  return { targets: [target.port ? `${target.ip}:${target.port.number}` : target.ip], labels };
}

const agentLabels = { 'app.kubernetes.io/name': 'weft-agent', 'app.kubernetes.io/part-of': 'weft' };
const agentPort = (number: number, name: string) => ({ number, name });

/** Two agent pods (one declaring its three ports, one declaring none), an init container, a pending agent, other pods. */
const discovered: PodTarget[] = [
  ...[agentPort(15001, 'outbound'), agentPort(15008, 'hbone'), agentPort(15020, 'metrics')].map((port) => ({
    namespace: 'weft-system', pod: 'weft-agent-x7k2p', node: 'node-a', ip: '172.18.0.2', labels: agentLabels, container: 'agent', port,
  })),
  { namespace: 'weft-system', pod: 'weft-agent-q9m4z', node: 'node-b', ip: '172.18.0.3', labels: agentLabels, container: 'agent' },
  { namespace: 'weft-system', pod: 'weft-agent-q9m4z', node: 'node-b', ip: '172.18.0.3', labels: agentLabels, container: 'bpffs-mount', init: true },
  { namespace: 'weft-system', pod: 'weft-agent-p3w8n', node: 'node-c', ip: '172.18.0.4', labels: agentLabels, container: 'agent', phase: 'Pending', port: agentPort(15020, 'metrics') },
  { namespace: 'weft-system', pod: 'weft-control-plane-5d8f-2xk4', node: 'node-a', ip: '10.244.1.7', labels: { 'app.kubernetes.io/name': 'weft-control-plane' }, container: 'control-plane', port: agentPort(15020, 'metrics') },
  { namespace: 'weft-system', pod: 'metrics-sidecar-0', node: 'node-a', ip: '10.244.1.9', labels: { app: 'weft-agent' }, container: 'app', port: agentPort(15020, 'metrics') },
];

describe('Prometheus scrape config for the agent DaemonSet', () => {
  let scratch: string;
  let shipped: { scrape_configs: ScrapeJob[] } & Record<string, unknown>;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'weft-scrape-'));
    shipped = parse(readFileSync(scrapeFile, 'utf8'));
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The shipped config with every kubernetes_sd_configs served from a file of pod target groups instead. */
  function withFileDiscovery(): string {
    const targets = join(scratch, 'kubernetes-pods.json');
    writeFileSync(targets, JSON.stringify(discovered.map(podTargetGroup), null, 2));
    const config = structuredClone(shipped);
    for (const job of config.scrape_configs) {
      if (!job.kubernetes_sd_configs) continue;
      delete job.kubernetes_sd_configs;
      job.file_sd_configs = [{ files: [targets] }];
    }
    const file = join(scratch, 'prometheus-scrape.file-sd.yaml');
    writeFileSync(file, stringify(config));
    return file;
  }

  async function discover(configFile: string, job: string): Promise<Record<string, string>[]> {
    const result = await promtool(['check', 'service-discovery', '--timeout=2s', configFile, job]);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    const targets = JSON.parse(result.stdout) as DiscoveredTarget[];
    return targets.flatMap((target) => (target.labels && Object.keys(target.labels).length > 0 ? [target.labels] : []));
  }

  test('has a Kubernetes pod-discovery job for the DaemonSet and a static example, both on /metrics', () => {
    const kubernetes = shipped.scrape_configs.find((job) => job.kubernetes_sd_configs);
    assert.equal(kubernetes?.kubernetes_sd_configs?.[0]?.role, 'pod');
    assert.deepEqual(kubernetes?.kubernetes_sd_configs?.[0]?.namespaces?.names, ['weft-system']);
    const staticJob = shipped.scrape_configs.find((job) => job.static_configs);
    assert.ok(staticJob, 'a static example');
    for (const job of [kubernetes!, staticJob]) assert.equal(job.metrics_path, '/metrics', job.job_name);
  });

  test('promtool check config passes', async () => {
    const probe = join(scratch, 'kubernetes-sd-probe.yaml');
    writeFileSync(probe, stringify({ scrape_configs: [{ job_name: 'probe', kubernetes_sd_configs: [{ role: 'pod' }] }] }));
    const hasKubernetesSd = (await promtool(['check', 'config', probe])).code === 0;
    const files = hasKubernetesSd ? [scrapeFile, withFileDiscovery()] : [withFileDiscovery()];
    for (const file of files) {
      const result = await promtool(['check', 'config', file]);
      assert.equal(result.code, 0, `${file}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /SUCCESS: .* is valid prometheus config file syntax/);
    }
  });

  test('the Kubernetes job keeps one target per running agent pod, at <pod IP>:15020, labelled with its node', async () => {
    const job = shipped.scrape_configs.find((j) => j.kubernetes_sd_configs)!.job_name;
    const targets = await discover(withFileDiscovery(), job);
    const seen = targets.map((labels) => ({
      address: labels.__address__,
      path: labels.__metrics_path__,
      scheme: labels.__scheme__,
      node: labels.node,
      pod: labels.pod,
      namespace: labels.namespace,
    }));
    assert.deepEqual(
      seen.sort((a, b) => a.node!.localeCompare(b.node!)),
      [
        { address: '172.18.0.2:15020', path: '/metrics', scheme: 'http', node: 'node-a', pod: 'weft-agent-x7k2p', namespace: 'weft-system' },
        { address: '172.18.0.3:15020', path: '/metrics', scheme: 'http', node: 'node-b', pod: 'weft-agent-q9m4z', namespace: 'weft-system' },
      ],
    );
    for (const labels of targets) assert.deepEqual(Object.keys(labels).filter((k) => k.startsWith('__meta_')), [], 'no discovery labels kept');
  });

  test('the static example scrapes the demo testbed nodes on 15020/metrics, labelled with their node', async () => {
    const job = shipped.scrape_configs.find((j) => j.static_configs)!.job_name;
    const targets = await discover(withFileDiscovery(), job);
    assert.deepEqual(
      targets.map((labels) => [labels.__address__, labels.__metrics_path__, labels.node]).sort(),
      [
        ['10.10.0.1:15020', '/metrics', 'node-1'],
        ['10.10.0.2:15020', '/metrics', 'node-2'],
      ],
    );
  });
});
