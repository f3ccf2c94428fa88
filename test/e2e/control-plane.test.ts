/**
 * The control plane end to end: a real `weft control-plane` on a watched
 * directory, real agents in two node namespaces streaming from it over a
 * Unix socket, real pods. Config edits take effect live; bad edits are
 * reported and change nothing that works; an outage of the control plane
 * breaks nothing that is already flowing.
 */
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { routeOnTcpReason } from '../../model/route-on-tcp.js';
import { TestbedMesh, installRoot, type MeshPod } from '../../testbed/mesh.js';

const echoVip = '10.96.0.10';
const apiVip = '10.96.0.30';
const lateVip = '10.96.0.40';

const pods: MeshPod[] = [
  { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
  { name: 'client-2', node: 'node-2', labels: { app: 'client' } },
  { name: 'echo-1', node: 'node-1', labels: { app: 'echo' } },
  { name: 'echo-2', node: 'node-2', labels: { app: 'echo' } },
  { name: 'api-1', node: 'node-1', labels: { app: 'api' } },
  { name: 'api-2', node: 'node-2', labels: { app: 'api' } },
];
const basePods = pods.filter((p) => !p.name.startsWith('api-'));
const apiPods = pods.filter((p) => p.name.startsWith('api-'));
const echoService = { name: 'echo', clusterIP: echoVip, port: 7000, selector: { app: 'echo' } };
const apiService = { name: 'api', clusterIP: apiVip, port: 7100, selector: { app: 'api' } };

describe('control plane: config streamed live to agents on two nodes', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;

  /** Polls until a connect from `pod` to ip:port gets an answer; returns how long that took. */
  async function reachableWithin(pod: string, host: string, port: number, limitMs: number, since = performance.now()) {
    for (let attempt = 0; attempt < 100 && performance.now() - since < limitMs; attempt++) {
      try {
        await mesh.worker(pod).request('connect', { host, port, bytes: 8, expect: 'hello-echo', timeoutMs: 250 });
        return performance.now() - since;
      } catch {
        await sleep(50);
      }
    }
    return Infinity;
  }

  async function steadyBatch(count = 10) {
    const results = await Promise.all(
      ['client-1', 'client-2'].map((pod) =>
        mesh.worker(pod).request('connectMany', { host: echoVip, port: 7000, count, concurrency: 5, timeoutMs: 3000 }),
      ),
    );
    return results.reduce((sum, r) => ({ ok: sum.ok + r.ok, failures: sum.failures + r.failures }), { ok: 0, failures: 0 });
  }

  /** `weft status --json` as an operator runs it, inside the node's network namespace. */
  async function agentStatus(node: string) {
    const { stdout } = await mesh.testbed.run(
      [process.execPath, join(installRoot, 'bin', 'weft.js'), 'status', '--json'],
      { netns: mesh.testbed.node(node).netns },
    );
    return JSON.parse(stdout);
  }

  /** The version of the control plane's last `config served` line, read past its log batching (200 ms). */
  async function publishedVersion(): Promise<string> {
    await sleep(300);
    const lines = mesh.testbed.readLogLines(mesh.controlPlane!.logFile).filter((l) => l.msg === 'config served');
    return String(lines.at(-1)!.version);
  }

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1', 'node-2'], pods, services: [] });
    mesh.writeManifests(basePods, [echoService]);
    for (const pod of ['echo-1', 'echo-2']) await mesh.worker(pod).request('listen', { port: 7000, mode: 'hello-echo' });
    for (const pod of ['api-1', 'api-2']) await mesh.worker(pod).request('listen', { port: 7100, mode: 'hello-echo' });
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
  });

  after(async () => {
    await mesh?.destroy();
  });

  test('agents take their config from the control plane, and weft status shows the connection and version', async () => {
    for (const node of ['node-1', 'node-2']) {
      const status = await agentStatus(node);
      assert.equal(status.configSource.kind, 'control-plane');
      assert.equal(status.configSource.state, 'connected');
      assert.equal(status.configVersion, await publishedVersion());
    }
    assert.deepEqual(
      (await agentStatus('node-1')).workloads.map((w: { name: string; enrolled: boolean }) => [w.name, w.enrolled]),
      [['client-1', true], ['echo-1', true]],
    );
    for (const pod of ['client-1', 'client-2']) {
      const result = await mesh.worker(pod).request('connect', { host: echoVip, port: 7000, bytes: 64, expect: 'hello-echo', timeoutMs: 3000 });
      assert.equal(result.receivedSha256, result.sentSha256);
    }
  });

  test('an HTTPRoute attached only to a TCP port is said to be not enforced: the agent logs it and weft status lists it, until it is removed', async () => {
    const route = [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata: { name: echo-canary, namespace: default }',
      'spec:',
      '  parentRefs: [{ group: "", kind: Service, name: echo, port: 7000 }]',
      '  rules: [{ backendRefs: [{ name: echo, port: 7000 }] }]',
      '',
    ].join('\n');
    const file = join(mesh.configDir, 'route.yaml');
    writeFileSync(file, route);
    try {
      const warned = await mesh.waitForAgentLog('node-2', (l) => l.msg === 'config holds objects this proxy accepts but does not enforce yet');
      assert.equal(warned.level, 40, 'logged at warn');
      assert.deepEqual(warned.notEnforced, ['HTTPRoute default/echo-canary']);
      let listed: unknown;
      for (let i = 0; i < 50 && !listed; i++) {
        listed = (await agentStatus('node-1')).notEnforced.find((o: { name: string }) => o.name === 'echo-canary');
        if (!listed) await sleep(100);
      }
      assert.deepEqual(listed, { kind: 'HTTPRoute', namespace: 'default', name: 'echo-canary', why: routeOnTcpReason });
      assert.match(String(warned.why.HTTPRoute), /attaches only to TCP Service ports/);
    } finally {
      unlinkSync(file);
    }
    for (let i = 0; i < 50 && (await agentStatus('node-1')).notEnforced.length > 0; i++) await sleep(100);
    assert.deepEqual((await agentStatus('node-1')).notEnforced, []);
  });

  test('a Service and its Workloads added to the directory are reachable from either node within 2 s, nothing restarted', async (t) => {
    const pids = [mesh.controlPlane!.child.pid, ...[...mesh.agents.values()].map((a) => a.child.pid)];
    const written = performance.now();
    mesh.writeManifests(apiPods, [apiService], 'api.yaml');
    const [fromNode1, fromNode2] = await Promise.all([
      reachableWithin('client-1', apiVip, 7100, 5000, written),
      reachableWithin('client-2', apiVip, 7100, 5000, written),
    ]);
    t.diagnostic(`new VIP reachable after ${Math.round(fromNode1)} ms (node-1), ${Math.round(fromNode2)} ms (node-2)`);
    assert.ok(fromNode1 < 2000, `node-1 took ${fromNode1} ms`);
    assert.ok(fromNode2 < 2000, `node-2 took ${fromNode2} ms`);
    assert.deepEqual([mesh.controlPlane!.child.pid, ...[...mesh.agents.values()].map((a) => a.child.pid)], pids);
    assert.ok([mesh.controlPlane!.child, ...[...mesh.agents.values()].map((a) => a.child)].every((c) => c.exitCode === null));
  });

  test('removing a backend stops new connections to it while established ones finish', async () => {
    // Two held connections from node-1: round robin puts one on each backend.
    const holds = [0, 1].map(() =>
      mesh.worker('client-1').request('hold', { host: apiVip, port: 7100, durationMs: 4000, intervalMs: 200, expect: 'hello-echo' }),
    );
    await sleep(500);
    mesh.writeManifests(apiPods.filter((p) => p.name === 'api-1'), [apiService], 'api.yaml');
    for (let i = 0; i < 50; i++) {
      const probe = await mesh.worker('client-1').request('connectMany', { host: apiVip, port: 7100, count: 4, concurrency: 4, timeoutMs: 3000 });
      if (!probe.byPod['api-2']) break;
      await sleep(100);
    }
    const after = await mesh.worker('client-1').request('connectMany', { host: apiVip, port: 7100, count: 20, concurrency: 5, timeoutMs: 3000 });
    assert.deepEqual(after.byPod, { 'api-1': 20 });
    const held = await Promise.all(holds);
    assert.ok(held.every((h) => h.rounds >= 15), `held rounds: ${held.map((h) => h.rounds)}`);
  });

  test('an invalid file is reported with file and field, and running traffic does not notice', async () => {
    const hold = mesh.worker('client-2').request('hold', { host: echoVip, port: 7000, durationMs: 2500, intervalMs: 100, expect: 'hello-echo' });
    const bad = join(mesh.configDir, 'broken.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Service\nmetadata: { name: broken, namespace: default }\nspec:\n  clusterIP: 10.96.0.50\n  selector: { app: echo }\n  ports: [{ port: 70000 }]\n');
    try {
      const line = await mesh.testbed.waitForLog(
        mesh.controlPlane!.logFile,
        (entry) => typeof entry.msg === 'string' && entry.msg.includes('broken.yaml') && entry.msg.includes('spec.ports[0].port'),
        5000,
      );
      assert.equal(line.level, 50, 'logged as an error');
      const held = await hold;
      assert.ok(held.rounds >= 15, `held rounds: ${held.rounds}`);
      assert.deepEqual(await steadyBatch(), { ok: 20, failures: 0 });
    } finally {
      unlinkSync(bad);
    }
  });

  test('a Service edited into an invalid one keeps its last good version in force', async () => {
    const file = join(mesh.configDir, 'api.yaml');
    mesh.writeManifests(apiPods.filter((p) => p.name === 'api-1'), [apiService], 'api.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(`clusterIP: ${apiVip}`, 'clusterIP: 10.96.0.300'));
    await mesh.testbed.waitForLog(mesh.controlPlane!.logFile, (entry) => /Service default\/api rejected; its last good version stays in force/.test(entry.msg ?? ''), 5000);
    const result = await mesh.worker('client-2').request('connect', { host: apiVip, port: 7100, bytes: 8, expect: 'hello-echo', timeoutMs: 3000 });
    assert.equal(result.hello.pod, 'api-1');
  });

  test('garbage and half-open connections on the control plane socket stall nobody', async () => {
    const socket = mesh.controlPlane!.socket;
    const sockets = Array.from({ length: 40 }, (_, i) => {
      const s = netConnect(socket);
      s.on('error', () => {});
      if (i % 2 === 0) s.write(Buffer.from('this is not HTTP/2 at all\r\n\r\n\x00\xff\x13garbage'));
      return s; // the odd ones stay open and silent
    });
    try {
      const written = performance.now();
      mesh.writeManifests(apiPods, [{ ...apiService, name: 'api-again', clusterIP: '10.96.0.31' }], 'api-again.yaml');
      assert.ok((await reachableWithin('client-1', '10.96.0.31', 7100, 5000, written)) < 2000);
      assert.ok((await reachableWithin('client-2', '10.96.0.31', 7100, 5000, written)) < 2000);
      assert.equal(mesh.controlPlane!.child.exitCode, null);
    } finally {
      sockets.forEach((s) => s.destroy());
      unlinkSync(join(mesh.configDir, 'api-again.yaml'));
    }
  });

  test('control plane down for 30 s under steady traffic: nothing breaks, and agents converge within 5 s of its return', async (t) => {
    const held = mesh.worker('client-1').request('hold', { host: echoVip, port: 7000, durationMs: 36_000, intervalMs: 500, expect: 'hello-echo' }, 50_000);
    const cp = mesh.controlPlane!.child;
    const exited = new Promise((resolve) => cp.once('exit', resolve));
    cp.kill('SIGKILL');
    await exited;
    let seenDown = false;
    for (let i = 0; i < 50 && !seenDown; i++) {
      seenDown = (await agentStatus('node-1')).configSource.state !== 'connected';
      if (!seenDown) await sleep(100);
    }
    assert.ok(seenDown, 'the agent reports the lost control plane');

    const outageEnds = performance.now() + 30_000;
    let batches = 0;
    let changedWhileDown = false;
    while (performance.now() < outageEnds) {
      const batch = await steadyBatch(5);
      assert.deepEqual(batch, { ok: 10, failures: 0 }, `batch ${batches} while the control plane was down`);
      batches++;
      if (!changedWhileDown) {
        // A change made during the outage must arrive once the control plane is back.
        mesh.writeManifests([], [{ ...apiService, name: 'late', clusterIP: lateVip }], 'late.yaml');
        changedWhileDown = true;
      }
      await sleep(1000);
    }
    assert.ok(batches >= 10, `only ${batches} batches in 30 s`);
    assert.equal(await reachableWithin('client-1', lateVip, 7100, 300), Infinity, 'nothing new arrives while the control plane is down');

    const restarted = performance.now();
    await mesh.startControlPlane();
    const [t1, t2] = await Promise.all([
      reachableWithin('client-1', lateVip, 7100, 10_000, restarted),
      reachableWithin('client-2', lateVip, 7100, 10_000, restarted),
    ]);
    t.diagnostic(`${batches} batches (${batches * 10} connections) during the outage, all good; converged ${Math.round(t1)} / ${Math.round(t2)} ms after the restart`);
    assert.ok(t1 < 5000 && t2 < 5000, `converged after ${Math.round(t1)} / ${Math.round(t2)} ms`);
    for (const node of ['node-1', 'node-2']) {
      const status = await agentStatus(node);
      assert.equal(status.configSource.state, 'connected');
      assert.equal(status.configVersion, await publishedVersion());
    }
    const hold = await held;
    assert.ok(hold.rounds >= 60, `the held connection made ${hold.rounds} rounds`);
  });
});
