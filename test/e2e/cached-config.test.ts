/**
 * A node's cached config, end to end on real agents, a real control plane
 * and real pods. A rebooted node (no pins, no attachments) whose control
 * plane is away enrols its meshed pods from the config it cached, at once:
 * its same-node meshed connections go through the proxy, its cross-node ones
 * are refused (no certificates without the CA, and never plaintext), and it
 * says it is stale in `weft status`, readiness and `weft_config_stale` until
 * the control plane answers. A node that never had config (or whose cache is
 * torn) enrols nothing and says NOT READY plainly until it does.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeDatapath } from '../../agent/datapath/datapath.js';
import { agentDefaults } from '../../agent/config.js';
import type { Hello } from '../../testbed/pod-worker-protocol.js';
import { TestbedMesh, installRoot, type MeshPod } from '../../testbed/mesh.js';

const weftCli = join(installRoot, 'bin', 'weft.js');
const port = 7000;
/** A Service selecting echo-2: without one, node-1's scope would not hold echo-2 at all (nor its IP as a mesh destination). */
const farVip = '10.96.0.50';
const pods: MeshPod[] = [
  { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
  { name: 'echo-1', node: 'node-1', labels: { app: 'echo' } },
  { name: 'echo-2', node: 'node-2', labels: { app: 'far' } },
];

describe('the cached config: a node restarted without its control plane', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  const ipOf = (pod: string) => mesh.testbed.pod(pod).ip;
  const nodeIp = (node: string) => mesh.testbed.node(node).ip;
  const cacheFile = (node: string) => join(mesh.agentStateDir, `config-${node}.json`);

  before(async () => {
    mesh = await TestbedMesh.create({ kind: 'c', nodes: ['node-1', 'node-2'], pods, services: [{ name: 'far', clusterIP: farVip, port, selector: { app: 'far' } }] });
    await mesh.worker('echo-1').request('listen', { port, mode: 'hello-echo' });
    await mesh.worker('echo-2').request('listen', { port, mode: 'hello-echo' });
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
  });

  after(async () => {
    await mesh?.destroy();
  });

  /** `weft status --json` as an operator runs it, in the node's network namespace. */
  async function status(node: string): Promise<Record<string, any>> {
    const { stdout } = await mesh.testbed.run([process.execPath, weftCli, 'status', '--json'], { netns: mesh.testbed.node(node).netns });
    return JSON.parse(stdout) as Record<string, any>;
  }

  async function statusText(node: string): Promise<string> {
    return (await mesh.testbed.run([process.execPath, weftCli, 'status'], { netns: mesh.testbed.node(node).netns })).stdout;
  }

  /** GET on the agent's metrics port, from inside the node: status code and body. */
  async function metricsPort(node: string, path: string): Promise<{ status: number; body: string }> {
    const url = `http://${nodeIp(node)}:${agentDefaults.metricsPort}${path}`;
    const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
    const { stdout } = await mesh.testbed.run([process.execPath, '-e', script], { netns: mesh.testbed.node(node).netns });
    return JSON.parse(stdout) as { status: number; body: string };
  }

  async function gauge(node: string, name: string): Promise<number | undefined> {
    const { body } = await metricsPort(node, '/metrics');
    const line = body.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  }

  /** One connect from `pod` to a hello-echo server: who the server saw calling. */
  async function hello(pod: string, host: string, timeoutMs = 3000): Promise<Hello> {
    const result = await mesh.worker(pod).request('connect', { host, port, bytes: 8, expect: 'hello-echo', timeoutMs });
    return result.hello as Hello;
  }

  /** Connections `pod`'s server accepted on `port` since event index `since`. */
  function accepted(pod: string, since: number): number {
    return mesh.worker(pod).events.slice(since).filter((e) => e.event === 'accepted' && e.port === port).length;
  }

  /** Polls a connect until it answers, at most `limitMs`; how long that took, or Infinity. */
  async function reachableWithin(pod: string, host: string, limitMs: number): Promise<number> {
    const since = performance.now();
    for (let attempt = 0; attempt < 100 && performance.now() - since < limitMs; attempt++) {
      try {
        await hello(pod, host, 2000);
        return performance.now() - since;
      } catch {
        await sleep(200);
      }
    }
    return Infinity;
  }

  /** The node after a reboot: no agent, and no pins or attachments left by one. */
  async function reboot(node: string): Promise<void> {
    await mesh.stopAgent(node);
    removeDatapath(join(mesh.testbed.pinRoot, node));
  }

  test('an agent restarted without a control plane enrols its pods from the cached config, and no meshed connection leaves unproxied', async () => {
    // Meshed, with certificates: same-node through the proxy (the server sees the node's address), cross-node through the tunnel.
    assert.ok((await reachableWithin('client-1', farVip, 15_000)) < Infinity, 'cross-node works with the control plane up');
    const tunnelled = await mesh.waitForAgentLog('node-1', (l) => l.msg === 'connection complete' && l.dst?.workload === 'default/echo-2', 5000);
    assert.equal(tunnelled.tunnel?.node, 'node-2', 'through the tunnel');
    assert.equal((await hello('client-1', ipOf('echo-1'))).remoteAddress, nodeIp('node-1'));
    const applied = mesh.testbed.readLogLines(mesh.agents.get('node-1')!.logFile).filter((l) => l.msg === 'agent ready' || l.msg === 'config applied').at(-1)!;
    const version = applied.configVersion ?? applied.version;
    await mesh.waitForAgentLog('node-1', (l) => l.msg === 'config cached on the node' && l.version === version, 5000);
    assert.equal(statSync(cacheFile('node-1')).mode & 0o777, 0o600);
    const onDisk = readFileSync(cacheFile('node-1'), 'utf8');
    assert.doesNotMatch(onDisk, /PRIVATE KEY/, 'no key is ever cached');
    assert.equal(JSON.parse(onDisk).trustBundle.trustDomain, 'cluster.local');

    await reboot('node-1');
    // The defect's condition: nothing on node-1 is enrolled, so its pods would connect in plaintext.
    assert.equal((await hello('client-1', ipOf('echo-1'))).remoteAddress, ipOf('client-1'), 'after the reboot, before an agent, the connect is direct');
    await mesh.stopControlPlane();

    const started = performance.now();
    await mesh.startAgent('node-1');
    const readyMs = performance.now() - started;
    const echo1Mark = mesh.worker('echo-1').events.length;
    const lines = mesh.testbed.readLogLines(mesh.agents.get('node-1')!.logFile);
    assert.ok(lines.some((l) => l.msg === 'starting on the cached config until the control plane answers' || String(l.msg).startsWith('starting on the cached config')));
    assert.ok(!lines.some((l) => l.msg === 'trust bundle received'), 'the trust bundle came from the cache, not the control plane');

    // Stale, and says so: weft status, readiness, the metric.
    const stale = await status('node-1');
    assert.equal(stale.configSource.kind, 'control-plane');
    assert.notEqual(stale.configSource.state, 'connected');
    assert.equal(stale.configSource.stale?.file, cacheFile('node-1'));
    assert.equal(stale.configSource.stale?.version, stale.configVersion);
    assert.deepEqual(
      stale.workloads.map((w: any) => `${w.name}:${w.enrolled}`).sort(),
      ['client-1:true', 'echo-1:true'],
      'both meshed pods of the node are enrolled from the cache',
    );
    assert.match(await statusText('node-1'), /\nSTALE {7}the node's cached config/);
    const ready = await metricsPort('node-1', '/healthz/ready');
    assert.equal(ready.status, 200);
    assert.match(ready.body, /^ready: on the cached config version \S+ received /);
    assert.equal(await gauge('node-1', 'weft_config_stale'), 1);
    assert.equal(await gauge('node-1', 'weft_control_plane_connected'), 0);

    // Same node: through the proxy (the server sees the node's address, not the pod's).
    assert.equal((await hello('client-1', ipOf('echo-1'))).remoteAddress, nodeIp('node-1'));
    // Other node: refused, never sent in plaintext; the server never sees it.
    const mark = mesh.worker('echo-2').events.length;
    for (const host of [farVip, ipOf('echo-2'), farVip]) {
        await assert.rejects(hello('client-1', host, 8000), (error: Error & { code?: string }) => error.code === 'ECONNRESET', `${host}: reset by the proxy, not answered, not hung`);
    }
    const refusedLines = () => mesh.testbed.readLogLines(mesh.agents.get('node-1')!.logFile).filter((l) => l.msg === 'connection refused' && l.reason === 'upstream_connect_failed');
    for (let i = 0; i < 20 && refusedLines().length < 3; i++) await sleep(100);
    const refusals = refusedLines();
    assert.equal(refusals.length, 3, 'the proxy refused them itself');
    assert.equal(accepted('echo-2', mark), 0, 'echo-2 saw none of the cross-node attempts');
    // And every connection echo-1 saw while node-1 ran on its cache came from the node proxy, none straight from the pod.
    const seen = mesh.worker('echo-1').events.slice(echo1Mark).filter((e) => e.event === 'accepted' && e.port === port);
    assert.ok(seen.length >= 1 && seen.every((e) => e.remoteAddress === nodeIp('node-1')), JSON.stringify(seen));
    assert.ok(refusals.every((l) => /no valid certificate for spiffe:\/\/cluster.local\/ns\/default\/sa\/client-1/.test(l.detail)), refusals.map((l) => l.detail).join('\n'));

    // The control plane comes back: the stale mark clears and cross-node works again.
    await mesh.startControlPlane();
    await mesh.waitForAgentLog('node-1', (l) => l.msg === 'the control plane answered: its config replaces the cached one', 15_000);
    const live = await status('node-1');
    assert.equal(live.configSource.stale, undefined);
    assert.equal(await gauge('node-1', 'weft_config_stale'), 0);
    assert.equal((await metricsPort('node-1', '/healthz/ready')).body, 'ready\n');
    const backMs = await reachableWithin('client-1', farVip, 20_000);
    assert.ok(backMs < Infinity, 'cross-node works again once the CA answers');
    assert.ok(accepted('echo-2', mark) >= 1);
    console.log(`# node-1 ready on its cache ${Math.round(readyMs)} ms after the agent started; cross-node back ${Math.round(backMs)} ms after the stale mark cleared`);
  });

  test('a node that never had config, or whose cache is torn, enrols nothing and says NOT READY until the control plane answers', async () => {
    await reboot('node-2');
    await mesh.stopControlPlane();
    const notReady = (l: Record<string, any>) => typeof l.msg === 'string' && l.msg.startsWith('not ready: no config');
    for (const variant of ['no cache', 'torn cache'] as const) {
      if (variant === 'no cache') unlinkSync(cacheFile('node-2'));
      else writeFileSync(cacheFile('node-2'), '{"format":"weft.dev/agent-config-cache/v1","node":"node-2","vers', { mode: 0o600 });
      await mesh.startAgent('node-2', { waitFor: notReady });
      if (variant === 'torn cache') {
        const ignored = await mesh.waitForAgentLog('node-2', (l) => l.msg === 'ignoring the cached config', 1000);
        assert.equal(ignored.file, cacheFile('node-2'));
        assert.match(ignored.problem, /not JSON .*torn or corrupt/);
      }
      const ready = await metricsPort('node-2', '/healthz/ready');
      assert.equal(ready.status, 503, variant);
      assert.match(ready.body, /^not ready: no config: this node has no usable cached config and the control plane unix:\S+ has not answered; no pod on this node is enrolled/);
      const waiting = await status('node-2');
      assert.equal(waiting.configVersion, 'none');
      assert.deepEqual(waiting.workloads, []);
      assert.equal(waiting.noConfig.cacheProblem === undefined, variant === 'no cache');
      assert.match(await statusText('node-2'), /\nNOT READY {3}no config: /);
      // Nothing enrolled: no link on any pod's cgroup, so echo-2 is reached directly, not through a proxy.
      const links = join(mesh.testbed.pinRoot, 'node-2', 'links');
      assert.deepEqual(existsSync(links) ? readdirSync(links) : [], [], variant);
      await mesh.stopAgent('node-2');
    }

    // A torn cache is no worse than none: the control plane's answer makes the node ready, and the cache good again.
    await mesh.startAgent('node-2', { waitFor: notReady });
    await mesh.startControlPlane();
    await mesh.waitForAgentLog('node-2', (l) => l.msg === 'agent ready', 15_000);
    const live = await status('node-2');
    assert.equal(live.noConfig, undefined);
    assert.deepEqual(live.workloads.map((w: any) => `${w.name}:${w.enrolled}`), ['echo-2:true']);
    assert.equal((await metricsPort('node-2', '/healthz/ready')).status, 200);
    await mesh.waitForAgentLog('node-2', (l) => l.msg === 'config cached on the node', 5000);
    assert.equal(JSON.parse(readFileSync(cacheFile('node-2'), 'utf8')).node, 'node-2');
  });
});
