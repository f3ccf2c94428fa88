/**
 * One cluster, two sources: a real `weft control-plane --kubernetes` against
 * the wire-format API stand-in (no API server can run here) and a real
 * `weft control-plane --config-dir` on the same cluster written as YAML.
 * Agents' discovery clients for every node must receive exactly the same
 * config from both — at the start, after a change, after every watch is
 * dropped, and after a compaction forces 410 Gone and a relist.
 *
 * Then two `--kubernetes` replicas on one cluster, as the Deployment runs
 * them: each node's agent connected to one of them must still be told every
 * other node's tunnel address (from the Node objects), and both replicas
 * must publish the same CA root for agents in the weft-ca-root ConfigMap.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshConfig } from '../../model/types.js';
import { logger } from '../../core/log.js';
import { installRoot } from '../../core/paths.js';
import { XdsClient } from '../../agent/xds/xds-client.js';
import { caRootConfigMapKey, caRootConfigMapName } from '../../control-plane/ca/kube-ca-root-config-map.js';
import { secretCertKey } from '../../control-plane/ca/kube-secret-ca-store.js';
import { node } from '../kube-standin/fixtures.js';
import { KubeStandin } from '../kube-standin/kube-standin.js';
import { typeAtPath } from '../kube-standin/resource-types.js';
import { twinApiObjects, twinManifests } from '../kube-standin/twin-cluster.js';
import { newRunPrefix } from '../../testbed/run-prefix.js';

const prefix = newRunPrefix('k');
const runDir = join('/tmp', prefix);
const nodes = ['node-1', 'node-2'];

/** The config minus where each object came from: a file line or an API object name. */
/** Without where each object came from, and without route ages: only the API has a creationTimestamp (a directory's routes have none). */
function comparable(config: MeshConfig | undefined): unknown {
  return JSON.parse(JSON.stringify(config ?? null, (key, value) => (key === 'source' || key === 'creationTimestamp' ? undefined : value)));
}

function startControlPlane(name: string, args: string[]): Promise<{ child: ChildProcess; socket: string }> {
  const socket = join(runDir, `${name}.sock`);
  // The CA's state (the file-mode root, node tokens) in the run dir; Kubernetes mode keeps its root in a stand-in Secret.
  const stateArgs = ['--state-dir', join(runDir, `${name}-state`)];
  const child = spawn(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'control-plane', '--listen', `unix:${socket}`, ...stateArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WEFT_TESTBED_RUN: prefix },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} control plane not ready:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"control plane ready"')) {
        clearTimeout(timer);
        resolve({ child, socket });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} control plane exited (${code}):\n${output}`)));
  });
}

describe('Kubernetes source: the same agent config as the YAML directory', { timeout: 120_000 }, () => {
  let standin: KubeStandin;
  const children: ChildProcess[] = [];
  const clients: Array<{ node: string; source: 'files' | 'kubernetes'; client: XdsClient }> = [];
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));

  /** Deletions made in the cluster so far, mirrored in the directory as removed documents. */
  const deleted: Array<{ kind: string; name: string }> = [];

  function writeDirectory() {
    mkdirSync(join(runDir, 'config'), { recursive: true });
    const gone = (doc: string) => deleted.some(({ kind, name }) => doc.includes(`kind: ${kind}`) && new RegExp(`name: ${name}\\b`).test(doc));
    for (const [file, text] of Object.entries(twinManifests())) {
      writeFileSync(join(runDir, 'config', file), text.split(/^---\s*$/m).filter((doc) => !gone(doc)).join('---\n'));
    }
  }

  /** Waits (bounded) until every node gets the same config from both control planes,
   * and that config is the expected one (`expected` holds for node-1's). */
  async function converged(what: string, expected: (config: MeshConfig) => boolean = () => true) {
    let last = '';
    for (let i = 0; i < 100; i++) {
      const pairs = nodes.map((node) =>
        ['files', 'kubernetes'].map((source) => comparable(clients.find((c) => c.node === node && c.source === source)!.client.config)),
      );
      const agree = pairs.every(([a, b]) => a !== null && JSON.stringify(a) === JSON.stringify(b));
      if (agree && expected(pairs[0]![0] as MeshConfig)) return pairs;
      last = JSON.stringify(pairs);
      await sleep(100);
    }
    assert.fail(`${what}: the two sources never gave the same agent config; last seen ${last.slice(0, 2000)}`);
  }

  before(async () => {
    process.once('exit', killAll);
    mkdirSync(runDir, { recursive: true });
    writeDirectory();
    standin = await KubeStandin.start();
    for (const object of twinApiObjects()) standin.put(object);
    writeFileSync(join(runDir, 'kubeconfig'), standin.kubeconfig());
    const files = await startControlPlane('files', ['--config-dir', join(runDir, 'config')]);
    const kube = await startControlPlane('kubernetes', ['--kubernetes', '--kubeconfig', join(runDir, 'kubeconfig')]);
    children.push(files.child, kube.child);
    for (const node of nodes) {
      for (const [source, cp] of [['files', files], ['kubernetes', kube]] as const) {
        const client = new XdsClient({ address: `unix:${cp.socket}`, node: { name: node, ip: '10.10.0.1' }, log: logger('test-xds', { node, source }) }).start();
        clients.push({ node, source, client });
      }
    }
  });

  after(async () => {
    clients.forEach(({ client }) => client.close());
    killAll();
    await standin?.close();
    rmSync(runDir, { recursive: true, force: true });
  });

  test('every node receives the same config from both sources, and it is not empty', async () => {
    const node1 = ((await converged('initial sync')) as MeshConfig[][])[0]![0]!;
    assert.ok(node1.services.length >= 3, 'services arrived');
    assert.ok(node1.workloads.length >= 1, 'workloads arrived');
    assert.ok(node1.httpRoutes.length + node1.authorizationPolicies.length > 0, 'routes and policies arrived');
    // The API's routes carry their age (it breaks precedence ties); the directory's cannot.
    const fromApi = clients.find((c) => c.node === nodes[0] && c.source === 'kubernetes')!.client.config!;
    assert.ok(fromApi.httpRoutes.every((route) => route.creationTimestamp !== undefined), 'every route from the API has its creationTimestamp');
    const fromFiles = clients.find((c) => c.node === nodes[0] && c.source === 'files')!.client.config!;
    assert.ok(fromFiles.httpRoutes.every((route) => route.creationTimestamp === undefined), 'no route from the directory has one');
  });

  test('after every watch is dropped and the cluster changes, both agree again', async () => {
    standin.dropWatches({ abrupt: true });
    const objects = twinApiObjects();
    const firstPod = objects.find((o) => o.kind === 'Pod' && (o.status as { podIP?: string } | undefined)?.podIP)!;
    standin.delete(firstPod);
    deleted.push({ kind: 'Workload', name: firstPod.metadata.name });
    writeDirectory();
    await converged('after dropped watches', (config) => !config.workloads.some((w) => w.name === firstPod.metadata.name));
  });

  test('after a compaction forces 410 Gone and a relist, a deletion made in the gap is seen the same way', async () => {
    const servicePath = '/api/v1/services';
    const listsBefore = standin.requestsFor(servicePath, false).length;
    standin.dropWatches({ abrupt: true });
    const victim = twinApiObjects().find((o) => o.kind === 'Service' && o.metadata.name === 'ratings')!;
    standin.delete(victim);
    standin.compact();
    deleted.push({ kind: 'Service', name: 'ratings' });
    writeDirectory();
    const node1 = ((await converged('after 410', (config) => !config.services.some((s) => s.name === 'ratings'))) as MeshConfig[][])[0]![0]!;
    assert.equal(node1.services.some((s) => s.name === 'ratings'), false);
    assert.ok(standin.requestsFor(servicePath, false).length > listsBefore, 'the source listed Services again after the 410');
  });
});

describe('Kubernetes source: two replicas, each node\'s agent on one of them', { timeout: 120_000 }, () => {
  let standin: KubeStandin;
  const children: ChildProcess[] = [];
  const clients = new Map<string, XdsClient>();
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
  const addresses = (name: string) => (clients.get(name)?.config?.nodes ?? []).map((n) => `${n.name}=${n.ip}`).sort().join(' ');

  /** Waits (bounded) until each client's config lists exactly these node addresses. */
  async function served(what: string, expected: Record<string, string>) {
    for (let i = 0; i < 100; i++) {
      if (Object.entries(expected).every(([client, want]) => addresses(client) === want)) return;
      await sleep(100);
    }
    assert.fail(`${what}: ${[...clients.keys()].map((name) => `${name} sees [${addresses(name)}]`).join('; ')}; expected ${JSON.stringify(expected)}`);
  }

  before(async () => {
    process.once('exit', killAll);
    mkdirSync(runDir, { recursive: true });
    standin = await KubeStandin.start();
    standin.put(node({ name: 'node-1', internalIP: '10.10.0.1' }));
    standin.put(node({ name: 'node-2', internalIP: '10.10.0.2' }));
    standin.put(node({ name: 'node-3', internalIP: '10.10.0.3' })); // no agent anywhere
    writeFileSync(join(runDir, 'replicas-kubeconfig'), standin.kubeconfig());
    const kubernetes = ['--kubernetes', '--kubeconfig', join(runDir, 'replicas-kubeconfig')];
    // Started together, as a Deployment's replicas are: they race to make the CA Secret and its ConfigMap.
    const [a, b] = await Promise.all([startControlPlane('replica-a', kubernetes), startControlPlane('replica-b', kubernetes)]);
    children.push(a.child, b.child);
    // The agents report the address they bind (--node-ip), here the Node's InternalIP, as the DaemonSet's status.hostIP is.
    for (const [name, ip, replica] of [['node-1', '10.10.0.1', a], ['node-2', '10.10.0.2', b]] as const) {
      clients.set(name, new XdsClient({ address: `unix:${replica.socket}`, node: { name, ip }, log: logger('test-xds', { node: name }) }).start());
    }
  });

  after(async () => {
    clients.forEach((client) => client.close());
    killAll();
    await standin?.close();
    rmSync(runDir, { recursive: true, force: true });
  });

  test('each agent is told every node\'s address, including nodes whose agent is on the other replica or nowhere', async () => {
    const all = 'node-1=10.10.0.1 node-2=10.10.0.2 node-3=10.10.0.3';
    await served('from the Node objects', { 'node-1': all, 'node-2': all });
  });

  test('a Node added, given a new address, or deleted is reflected on both; a connected agent\'s own report wins', async () => {
    standin.put(node({ name: 'node-4', internalIP: '10.10.0.4' }));
    standin.delete(node({ name: 'node-3' }));
    await served('node-4 added, node-3 deleted', {
      'node-1': 'node-1=10.10.0.1 node-2=10.10.0.2 node-4=10.10.0.4',
      'node-2': 'node-1=10.10.0.1 node-2=10.10.0.2 node-4=10.10.0.4',
    });
    // node-2's Node now says another address. Replica A, where node-2's agent is not, takes it; replica B
    // keeps what node-2's connected agent reported, which is where its proxy is actually bound.
    standin.put(node({ name: 'node-2', internalIP: '10.10.0.22' }));
    await served('node-2 readdressed', {
      'node-1': 'node-1=10.10.0.1 node-2=10.10.0.22 node-4=10.10.0.4',
      'node-2': 'node-1=10.10.0.1 node-2=10.10.0.2 node-4=10.10.0.4',
    });
  });

  test('both replicas publish the root of the one CA Secret in the weft-ca-root ConfigMap, for agents', () => {
    const secret = standin.store.get(typeAtPath('', 'v1', 'secrets')!, 'weft-system', 'weft-ca') as unknown as { data: Record<string, string> } | undefined;
    assert.ok(secret, 'the CA Secret');
    const configMap = standin.store.get(typeAtPath('', 'v1', 'configmaps')!, 'weft-system', caRootConfigMapName) as unknown as { data: Record<string, string> } | undefined;
    assert.ok(configMap, 'the ConfigMap');
    assert.deepEqual(Object.keys(configMap.data), [caRootConfigMapKey]);
    assert.equal(configMap.data[caRootConfigMapKey], Buffer.from(secret.data[secretCertKey]!, 'base64').toString());
    assert.equal(standin.store.list(typeAtPath('', 'v1', 'secrets')!).length, 1, 'one CA');
  });
});
