/**
 * The agent in Kubernetes mode, end to end: `weft control-plane --kubernetes`
 * reads Namespaces, Pods and Services from the wire-format API stand-in and
 * streams them to real `weft agent`s, which find each local pod's cgroup from
 * its UID and QoS class in a simulated kubelet hierarchy (real cgroup v2
 * directories holding real processes in the testbed pods' network
 * namespaces). node-1's kubelet uses the systemd cgroup driver, node-2's
 * cgroupfs; both agents are left to detect which.
 *
 * The hierarchies sit under the run prefix (/<prefix>/kubelet/<node>, see
 * simulated-kubelet.ts), and the agents are pointed there with
 * --kubelet-cgroup-root: this machine's own kubepods.slice is never touched.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeIngressKey, decodeMeshDestinationKey } from '../../agent/datapath/map-codec.js';
import { installRoot } from '../../core/paths.js';
import { PinnedMap } from '../../native/index.js';
import { namespace, pod, service, type PodFixture } from '../kube-standin/fixtures.js';
import type { KubeObject } from '../kube-standin/kube-object.js';
import { KubeStandin } from '../kube-standin/kube-standin.js';
import { SimulatedKubelet, type QosClass } from '../kube-standin/simulated-kubelet.js';
import type { PodWorker } from '../../testbed/pod-worker-client.js';
import { Testbed, type LogRecord } from '../../testbed/testbed.js';

const vip = '10.96.0.10';
const port = 7000;
const weft = join(installRoot, 'bin', 'weft.js');

interface PodPlan {
  name: string;
  node: 'node-1' | 'node-2';
  namespace: 'shop' | 'plain';
  qos: QosClass;
  labels?: Record<string, string>;
}

/** shop is meshed (labelled weft.dev/mesh: enabled), but sd-optout opts out with the pod label; plain is not labelled at all. */
const plans: PodPlan[] = [
  { name: 'sd-echo', node: 'node-1', namespace: 'shop', qos: 'Burstable', labels: { app: 'echo' } },
  { name: 'sd-client', node: 'node-1', namespace: 'shop', qos: 'Guaranteed' },
  { name: 'sd-after', node: 'node-1', namespace: 'shop', qos: 'Burstable' },
  { name: 'sd-late', node: 'node-1', namespace: 'shop', qos: 'BestEffort' },
  { name: 'sd-plain', node: 'node-1', namespace: 'plain', qos: 'Burstable' },
  { name: 'sd-optout', node: 'node-1', namespace: 'shop', qos: 'Burstable', labels: { app: 'optout', 'weft.dev/mesh': 'disabled' } },
  { name: 'fs-echo', node: 'node-2', namespace: 'shop', qos: 'BestEffort', labels: { app: 'echo' } },
  { name: 'fs-client', node: 'node-2', namespace: 'shop', qos: 'Burstable' },
  { name: 'fs-after', node: 'node-2', namespace: 'shop', qos: 'Guaranteed' },
  { name: 'fs-plain', node: 'node-2', namespace: 'plain', qos: 'BestEffort' },
];

function plan(name: string): PodPlan {
  return plans.find((p) => p.name === name)!;
}

function attachedPrograms(cgroupDir: string): string[] {
  const out = execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroupDir], { encoding: 'utf8' });
  return (JSON.parse(out.trim() || '[]') as Array<{ name: string }>).map((p) => p.name).sort();
}

const allHooks = ['weft_connect4', 'weft_ingress', 'weft_sockops'];

describe('Kubernetes mode: pods found in the kubelet\'s cgroups, both drivers', { timeout: 240_000 }, () => {
  let bed: Testbed;
  let standin: KubeStandin;
  const kubelets = new Map<string, SimulatedKubelet>();
  const agents = new Map<string, { child: ChildProcess; logFile: string }>();
  const workers = new Map<string, PodWorker>();
  const podObjects = new Map<string, KubeObject>();

  function podObject(name: string): KubeObject {
    const p = plan(name);
    const fixture: PodFixture = { name, namespace: p.namespace, node: p.node, ip: bed.pod(name).ip, qosClass: p.qos, serviceAccount: name, labels: p.labels ?? { app: name } };
    return pod(fixture);
  }

  /** The pod's cgroup made, its container running a worker, as the kubelet would before the pod shows Running. */
  async function runPod(name: string): Promise<{ podDir: string; worker: PodWorker }> {
    const p = plan(name);
    const object = podObjects.get(name) ?? podObject(name);
    podObjects.set(name, object);
    const kubelet = kubelets.get(p.node)!;
    const running = await kubelet.runContainer(name, object.metadata.uid!, p.qos);
    workers.set(name, running.worker);
    return { podDir: kubelet.dir(running.podCgroup), worker: running.worker };
  }

  function podDir(name: string): string {
    const p = plan(name);
    const object = podObjects.get(name) ?? podObject(name);
    const kubelet = kubelets.get(p.node)!;
    return kubelet.dir(kubelet.podCgroup(object.metadata.uid!, p.qos));
  }

  function linkDir(name: string): string {
    return join(bed.pinRoot, plan(name).node, 'links', `${plan(name).namespace}_${name}`);
  }

  const agentLog = (node: string, predicate: (line: LogRecord) => boolean, timeoutMs = 10_000) =>
    bed.waitForLog(agents.get(node)!.logFile, predicate, timeoutMs);

  const enrolledLine = (name: string) => (line: LogRecord) => line.msg === 'workload enrolled' && line.owner === `${plan(name).namespace}_${name}`;

  async function scrape(node: string): Promise<string> {
    const { ip, netns } = bed.node(node);
    const script = `fetch('http://${ip}:15020/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(e); process.exit(1); })`;
    return (await bed.run([process.execPath, '-e', script], { netns, timeoutMs: 10_000 })).stdout;
  }

  async function pendingMetric(node: string, reason: string): Promise<number> {
    const text = await scrape(node);
    const match = new RegExp(`^weft_enrol_pending\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
    assert.ok(match, `weft_enrol_pending{reason="${reason}"} is exported:\n${text.split('\n').filter((l) => l.includes('enrol')).join('\n')}`);
    return Number(match[1]);
  }

  /** Connects from a pod to the VIP and returns the proxy's log line for that connection. */
  async function throughProxy(name: string): Promise<LogRecord> {
    const result = await workers.get(name)!.request('connect', { host: vip, port, bytes: 64, expect: 'hello-echo', timeoutMs: 5000 });
    assert.ok(['sd-echo', 'fs-echo'].includes(result.hello.pod), `answered by ${result.hello.pod}`);
    assert.equal(result.receivedSha256, result.sentSha256);
    const ip = bed.pod(name).ip;
    return agentLog(plan(name).node, (line) => line.msg === 'connection complete' && line.src?.addr === `${ip}:${result.localPort}`, 5000);
  }

  async function notRedirected(name: string): Promise<void> {
    const accepted = workers.get('sd-echo')!.events.length + workers.get('fs-echo')!.events.length;
    const error = await workers.get(name)!.request('connect', { host: vip, port, bytes: 16, expect: 'hello-echo', timeoutMs: 2000 }).then(
      () => assert.fail(`${name} reached the VIP, so its connect was redirected`),
      (e: { code: string }) => e,
    );
    assert.ok(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(error.code), error.code);
    assert.equal(workers.get('sd-echo')!.events.length + workers.get('fs-echo')!.events.length, accepted, 'no backend saw a connection');
  }

  function meshDestinationIps(node: string): string[] {
    const map = new PinnedMap(join(bed.pinRoot, node, 'mesh_dst'));
    try {
      return [...map.keys()].map((key) => decodeMeshDestinationKey(key).ip);
    } finally {
      map.close();
    }
  }

  function ingressCgroupIds(node: string): bigint[] {
    const map = new PinnedMap(join(bed.pinRoot, node, 'cgroup_ingress'));
    try {
      return [...map.keys()].map((key) => decodeIngressKey(key).cgroupId);
    } finally {
      map.close();
    }
  }

  async function startAgent(node: string): Promise<void> {
    const logFile = join(bed.runDir, `agent-${node}.log`);
    const child = bed.spawnInNode(
      node,
      [
        process.execPath, weft, 'agent',
        '--node', node,
        '--node-ip', bed.node(node).ip,
        '--control-plane', `unix:${join(bed.runDir, 'control-plane.sock')}`,
        '--bpffs-root', bed.pinRoot,
        '--kubelet-cgroup-root', kubelets.get(node)!.root,
        // The run's own state dir: a cache left by an earlier run would hand the agent that run's pods at start.
        '--state-dir', join(bed.runDir, `agent-state-${node}`),
      ],
      { logFile },
    );
    agents.set(node, { child, logFile });
    await bed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
  }

  before(async () => {
    bed = await Testbed.create({ kind: 'k', nodes: ['node-1', 'node-2'], pods: plans.map(({ name, node }) => ({ name, node })) });
    kubelets.set('node-1', new SimulatedKubelet(bed, 'node-1', 'systemd'));
    kubelets.set('node-2', new SimulatedKubelet(bed, 'node-2', 'cgroupfs'));
    for (const kubelet of kubelets.values()) kubelet.start();

    standin = await KubeStandin.start();
    standin.put(namespace('shop', { 'weft.dev/mesh': 'enabled' }));
    standin.put(namespace('plain'));
    standin.put(service({ name: 'echo', namespace: 'shop', clusterIP: vip, selector: { app: 'echo' }, ports: [{ name: 'tcp', port }] }));
    // Running before the agents start: the echo backends, a client on each node, the unmeshed pods.
    for (const name of ['sd-echo', 'fs-echo', 'sd-client', 'fs-client', 'sd-plain', 'fs-plain', 'sd-optout']) {
      const { worker } = await runPod(name);
      if (plan(name).labels?.app === 'echo') await worker.request('listen', { port, mode: 'hello-echo' });
      standin.put(podObjects.get(name)!);
    }

    const kubeconfig = join(bed.runDir, 'kubeconfig');
    writeFileSync(kubeconfig, standin.kubeconfig());
    const controlPlaneLog = join(bed.runDir, 'control-plane.log');
    bed.spawnOnHost(
      'control-plane',
      [process.execPath, weft, 'control-plane', '--kubernetes', '--kubeconfig', kubeconfig, '--listen', `unix:${join(bed.runDir, 'control-plane.sock')}`, '--state-dir', join(bed.runDir, 'state')],
      { logFile: controlPlaneLog },
    );
    await bed.waitForLog(controlPlaneLog, (line) => line.msg === 'control plane ready', 20_000);
    await startAgent('node-1');
    await startAgent('node-2');
    // Cross-node connections need every node's address at every agent.
    for (const node of agents.keys()) {
      await agentLog(node, (line) => (line.msg === 'config applied' || line.msg === 'agent ready') && Array.isArray(line.nodes) && line.nodes.length === 2);
    }
  });

  after(async () => {
    await bed?.destroy();
    await standin?.close();
  });

  test('each agent detects its kubelet\'s cgroup driver under the run\'s root on this machine\'s cgroup v2 mount', async () => {
    const sd = await agentLog('node-1', (line) => line.msg === 'kubelet cgroup hierarchy found');
    assert.equal(sd.driver, 'systemd');
    assert.equal(sd.kubepods, kubelets.get('node-1')!.dir(`${kubelets.get('node-1')!.root}/kubepods.slice`));
    const fs = await agentLog('node-2', (line) => line.msg === 'kubelet cgroup hierarchy found');
    assert.equal(fs.driver, 'cgroupfs');
    assert.equal(fs.kubepods, kubelets.get('node-2')!.dir(`${kubelets.get('node-2')!.root}/kubepods`));
  });

  test('pods that existed before the agent started are enrolled at the kubelet\'s pod cgroup, under both layouts', async () => {
    for (const name of ['sd-echo', 'sd-client', 'fs-echo', 'fs-client']) {
      const line = await agentLog(plan(name).node, enrolledLine(name));
      assert.equal(line.cgroup, podDir(name), `${name} enrolled at its pod cgroup`);
      assert.deepEqual(attachedPrograms(podDir(name)), allHooks, `${name}: every hook on the pod cgroup`);
    }
  });

  test('their connections to a Service VIP go through the proxy and are attributed to the pod from its container cgroup', async () => {
    for (const name of ['sd-client', 'fs-client']) {
      const line = await throughProxy(name);
      assert.equal(line.src.workload, `shop/${name}`);
      assert.equal(line.dst.service, `echo.shop.svc.cluster.local`);
    }
    const metrics = await scrape('node-1');
    assert.match(metrics, /istio_tcp_connections_opened_total\{[^}]*source_workload="sd-client"[^}]*\} [1-9]/);
  });

  test('a pod in an unlabelled namespace, or opted out by its label, is untouched: nothing attached, its connect to the VIP not redirected', async () => {
    for (const name of ['sd-plain', 'fs-plain', 'sd-optout']) {
      assert.deepEqual(attachedPrograms(podDir(name)), [], `${name} has no program attached`);
      assert.equal(existsSync(linkDir(name)), false, `${name} has no link pins`);
      await notRedirected(name);
    }
    for (const node of ['node-1', 'node-2']) {
      const lines = bed.readLogLines(agents.get(node)!.logFile);
      const untouched = (owner: unknown) => typeof owner === 'string' && (owner.startsWith('plain_') || owner === 'shop_sd-optout');
      assert.equal(lines.some((l) => untouched(l.owner)), false, `the ${node} agent never acted on an unmeshed pod`);
    }
  });

  test('pods created after the agent started are enrolled and meshed', async () => {
    for (const name of ['sd-after', 'fs-after']) {
      await runPod(name);
      standin.put(podObjects.get(name)!);
      const line = await agentLog(plan(name).node, enrolledLine(name));
      assert.equal(line.cgroup, podDir(name));
      assert.deepEqual(attachedPrograms(podDir(name)), allHooks);
      const connection = await throughProxy(name);
      assert.equal(connection.src.workload, `shop/${name}`);
    }
  });

  test('a pod whose cgroup appears late is reported pending (metric and one log line) until it appears, then enrolled within about a second', async (t) => {
    const name = 'sd-late';
    podObjects.set(name, podObject(name));
    standin.put(podObjects.get(name)!);
    const pending = await agentLog('node-1', (line) => line.msg === 'workload not enrolled' && line.owner === `shop_${name}`);
    assert.equal(pending.code, 'cgroup_not_found');
    assert.equal(pending.uid, podObjects.get(name)!.metadata.uid);
    assert.ok(String(pending.reason).includes(podDir(name)), `the log names the cgroup looked for: ${pending.reason}`);
    assert.equal(await pendingMetric('node-1', 'cgroup_not_found'), 1);
    assert.equal(await pendingMetric('node-2', 'cgroup_not_found'), 0);
    // Several retries later, still one line for this pod and reason.
    await sleep(2500);
    const lines = bed.readLogLines(agents.get('node-1')!.logFile).filter((l) => l.msg === 'workload not enrolled' && l.owner === `shop_${name}`);
    assert.equal(lines.length, 1, 'one log line per pod and reason');

    const createdAt = Date.now();
    await runPod(name);
    const enrolled = await agentLog('node-1', enrolledLine(name), 5000);
    const delayMs = Date.parse(String(enrolled.time)) - createdAt;
    t.diagnostic(`enrolled ${delayMs} ms after its cgroup appeared`);
    assert.ok(delayMs < 1200, `enrolled ${delayMs} ms after its cgroup appeared`);
    assert.equal(await pendingMetric('node-1', 'cgroup_not_found'), 0);
    const connection = await throughProxy(name);
    assert.equal(connection.src.workload, `shop/${name}`);
  });

  test('a pod deleted from the API loses its attachment, link pins and map entries within 2 s, under both layouts', async (t) => {
    const victims = ['sd-client', 'fs-client'];
    const cgroupIds = new Map(victims.map((name) => [name, execFileSync('stat', ['-c', '%i', podDir(name)], { encoding: 'utf8' }).trim()]));
    for (const name of victims) {
      assert.ok(existsSync(linkDir(name)), `${name} is enrolled before the delete`);
      assert.ok(ingressCgroupIds(plan(name).node).map(String).includes(cgroupIds.get(name)!), `${name} has an ingress entry before the delete`);
      // Each node holds the meshed pod IPs of its own config: its own pods and the backends it may call.
      assert.ok(meshDestinationIps(plan(name).node).includes(bed.pod(name).ip), `${name} is a mesh destination on its node before the delete`);
    }
    const deletedAt = Date.now();
    for (const name of victims) assert.ok(standin.delete(podObjects.get(name)!));

    const gone = (name: string) =>
      !existsSync(linkDir(name)) &&
      attachedPrograms(podDir(name)).length === 0 &&
      !ingressCgroupIds(plan(name).node).map(String).includes(cgroupIds.get(name)!) &&
      ['node-1', 'node-2'].every((node) => !meshDestinationIps(node).includes(bed.pod(name).ip));
    const left = new Set(victims);
    const deadline = deletedAt + 2000;
    while (left.size > 0 && Date.now() < deadline) {
      for (const name of [...left]) if (gone(name)) left.delete(name);
      if (left.size > 0) await sleep(25);
    }
    const elapsed = Date.now() - deletedAt;
    t.diagnostic(`attachments, pins and map entries gone ${elapsed} ms after the API delete`);
    assert.deepEqual([...left], [], `still enrolled 2 s after the delete: ${[...left].join(', ')}`);
    for (const name of victims) {
      await agentLog(plan(name).node, (line) => line.msg === 'workload unenrolled' && line.owner === `shop_${name}`, 1000);
      // Its processes still run (the kubelet would stop them): they are simply no longer meshed.
      await notRedirected(name);
    }
  });
});
