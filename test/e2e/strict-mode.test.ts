/**
 * STRICT / PERMISSIVE inbound enforcement on real kernel objects: the
 * cgroup_skb/ingress program on a meshed pod's cgroup drops new connections
 * that do not come from the node proxy when the pod's PeerAuthentication mode
 * is STRICT. The agents run standalone on the fixture's config directory, so
 * a PeerAuthentication takes effect by editing a manifest file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { PinnedMap } from '../../native/index.js';
import {
  IngressMode,
  Stat,
  decodeIngressPolicy,
  encodeIngressKey,
  encodeU32Key,
  sumPerCpu,
} from '../../agent/datapath/map-codec.js';
import { TestbedMesh, installRoot } from '../../testbed/mesh.js';

const serverVip = '10.96.0.30';
/** A dropped SYN is never answered: the caller gives up after this. */
const droppedTimeoutMs = 1500;

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET';

interface PeerAuthenticationSpec {
  name: string;
  namespace?: string;
  mode?: Mode;
  selector?: Record<string, string>;
  ports?: Record<number, Mode>;
}

function attachedProgramNames(cgroupDir: string): string[] {
  const out = execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroupDir], { encoding: 'utf8' });
  return (JSON.parse(out.trim() || '[]') as Array<{ name: string }>).map((p) => p.name).sort();
}

describe('inbound enforcement: STRICT drops plaintext that bypasses the node proxy', { timeout: 240_000 }, () => {
  let mesh: TestbedMesh;

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods: [
        { name: 'client', node: 'node-1', labels: { app: 'client' } },
        { name: 'server-b', node: 'node-1', labels: { app: 'b' } },
        { name: 'server-c', node: 'node-1', labels: { app: 'c' } },
        { name: 'outsider', node: 'node-1', workload: false },
        { name: 'outsider-2', node: 'node-2', workload: false },
      ],
      services: [{ name: 'b', clusterIP: serverVip, port: 7000, selector: { app: 'b' } }],
    });
    for (const pod of ['server-b', 'server-c']) {
      await mesh.worker(pod).request('listen', { port: 7000, mode: 'hello-echo' });
      await mesh.worker(pod).request('listen', { port: 7001, mode: 'hello-echo' });
    }
    writePeerAuthentications([]);
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
  });

  after(async () => {
    await mesh?.destroy();
  });

  /** Replaces the fixture's PeerAuthentication file; written aside and renamed, so the
   * agent's watcher never reads half a file. */
  function writePeerAuthentications(policies: PeerAuthenticationSpec[]): void {
    const documents = policies.map((policy) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name: policy.name, namespace: policy.namespace ?? 'default' },
      spec: {
        ...(policy.selector ? { selector: { matchLabels: policy.selector } } : {}),
        ...(policy.mode ? { mtls: { mode: policy.mode } } : {}),
        ...(policy.ports
          ? { portLevelMtls: Object.fromEntries(Object.entries(policy.ports).map(([port, mode]) => [port, { mode }])) }
          : {}),
      },
    }));
    const file = join(mesh.configDir, 'peer-authentication.yaml');
    const text = documents.length > 0 ? documents.map((d) => stringify(d)).join('---\n') : '# no PeerAuthentication\n';
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }

  function cgroupId(pod: string): bigint {
    return statSync(mesh.testbed.pod(pod).cgroupDir, { bigint: true }).ino;
  }

  function withMap<T>(node: string, name: string, fn: (map: PinnedMap) => T): T {
    const map = new PinnedMap(join(mesh.testbed.pinRoot, node, name));
    try {
      return fn(map);
    } finally {
      map.close();
    }
  }

  /** The ingress entry of a pod (port 0) or of one of its ports, as the kernel sees it. */
  function ingressEntry(pod: string, port = 0) {
    const value = withMap('node-1', 'cgroup_ingress', (map) => map.lookup(encodeIngressKey({ cgroupId: cgroupId(pod), port })));
    return value ? decodeIngressPolicy(value) : undefined;
  }

  function strictDropped(node = 'node-1'): bigint {
    return withMap(node, 'stats', (map) => sumPerCpu(map.lookup(encodeU32Key(Stat.strictDropped)) ?? Buffer.alloc(0)));
  }

  /** Waits (bounded) until the agent has written the expected modes: the config it
   * watches is applied a debounce after the file changes. */
  async function waitForModes(expected: Array<{ pod: string; port?: number; mode: number | undefined }>, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      const actual = expected.map(({ pod, port }) => ingressEntry(pod, port)?.mode);
      if (actual.every((mode, index) => mode === expected[index]!.mode)) return;
      if (Date.now() >= deadline || i > 1000) {
        assert.fail(`ingress modes ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  function connectDirect(from: string, to: string, port = 7000, timeoutMs = 5000) {
    return mesh.worker(from).request('connect', {
      host: mesh.testbed.pod(to).ip, port, bytes: 16, expect: 'hello-echo', timeoutMs,
    });
  }

  /** A direct connection that must be dropped: it times out, the server never accepts
   * it, and the drop counter of the server's node goes up. */
  async function assertDropped(from: string, to: string, port = 7000) {
    const accepted = mesh.worker(to).events.filter((e) => e.event === 'accepted').length;
    const dropsBefore = strictDropped();
    const error = await connectDirect(from, to, port, droppedTimeoutMs).then(
      () => assert.fail(`${from} reached ${to}:${port} in plaintext`),
      (e: { code: string }) => e,
    );
    assert.equal(error.code, 'ETIMEDOUT', `a dropped SYN times out (got ${error.code})`);
    assert.equal(mesh.worker(to).events.filter((e) => e.event === 'accepted').length, accepted, `${to} accepted nothing`);
    assert.ok(strictDropped() > dropsBefore, 'the STRICT drop counter went up');
  }

  /** Plaintext to a pod IP reaches the pod: PERMISSIVE, through the node proxy's capture (which dials from the node
   * IP, after authorization), or straight from the caller once the datapath is gone. */
  async function assertDirectReaches(from: string, to: string, port = 7000, via: 'capture' | 'direct' = 'capture') {
    const result = await connectDirect(from, to, port);
    assert.equal(result.hello.pod, to);
    const node = mesh.testbed.node(mesh.testbed.pod(to).node).ip;
    if (via === 'capture') assert.equal(result.hello.remoteAddress, node, 'captured, and dialled by the node proxy');
    else assert.equal(result.hello.remoteAddress, mesh.testbed.pod(from).ip, 'straight from the caller, no proxy');
  }

  test('the ingress program is attached with the others; no PeerAuthentication: PERMISSIVE, plaintext reaches the pod', async () => {
    assert.deepEqual(attachedProgramNames(mesh.testbed.pod('server-b').cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops']);
    assert.deepEqual(attachedProgramNames(mesh.testbed.pod('outsider').cgroupDir), [], 'an unmeshed pod has no programs');
    assert.deepEqual(ingressEntry('server-b'), { mode: IngressMode.permissive, proxyIp: mesh.testbed.node('node-1').ip });
    await assertDirectReaches('outsider', 'server-b');
  });

  test('namespace STRICT: plaintext from an unmeshed pod is dropped, same node and across nodes; connections accepted before are not cut', async () => {
    // A long-lived plaintext connection, accepted while PERMISSIVE, echoing every 200 ms throughout the switch.
    let holding = true;
    const since = mesh.worker('server-b').events.length;
    const held = mesh.worker('outsider').request('hold', {
      host: mesh.testbed.pod('server-b').ip, port: 7000, durationMs: 7000, intervalMs: 200, expect: 'hello-echo',
    }).finally(() => (holding = false));
    // PERMISSIVE: captured into the node proxy, which dials the pod from the node IP.
    await mesh.worker('server-b').waitForEvent((e) => e.event === 'accepted' && e.remoteAddress === mesh.testbed.node('node-1').ip, 5000, since);

    writePeerAuthentications([{ name: 'default', mode: 'STRICT' }]);
    await waitForModes([{ pod: 'server-b', mode: IngressMode.strict }, { pod: 'server-c', mode: IngressMode.strict }]);
    assert.ok(holding, 'STRICT was in force while the old connection was still open');

    await assertDropped('outsider', 'server-b');
    await assertDropped('outsider-2', 'server-b');

    const result = await held;
    assert.ok(result.rounds >= 20, `the established connection kept echoing (${result.rounds} rounds)`);
  });

  test('STRICT: a meshed client still reaches the pod through the node proxy, by VIP and by pod IP', async () => {
    const nodeIp = mesh.testbed.node('node-1').ip;
    const byVip = await mesh.worker('client').request('connect', {
      host: serverVip, port: 7000, bytes: 1024, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(byVip.hello.pod, 'server-b');
    assert.equal(byVip.hello.remoteAddress, nodeIp, 'from the node proxy');
    assert.equal(byVip.receivedSha256, byVip.sentSha256);

    const byPodIp = await mesh.worker('client').request('connect', {
      host: mesh.testbed.pod('server-b').ip, port: 7001, bytes: 1024, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(byPodIp.hello.pod, 'server-b');
    assert.equal(byPodIp.hello.remoteAddress, nodeIp);
  });

  test('STRICT: the pod still reaches itself over loopback, and its own outbound connections are answered', async () => {
    const self = await mesh.worker('server-b').request('connect', {
      host: '127.0.0.1', port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(self.hello.pod, 'server-b');
    // The SYN-ACK (and everything after) of a connection the STRICT pod opened is not a new connection to it.
    await mesh.worker('outsider').request('listen', { port: 7002, mode: 'hello-echo' });
    const outbound = await mesh.worker('server-b').request('connect', {
      host: mesh.testbed.pod('outsider').ip, port: 7002, bytes: 64 * 1024, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(outbound.hello.pod, 'outsider');
    assert.equal(outbound.receivedSha256, outbound.sentSha256);
  });

  test('STRICT covers a listener in a child cgroup of the pod, where container runtimes put processes', async () => {
    const { testbed } = mesh;
    const container = join(testbed.pod('server-b').cgroupDir, 'container-1');
    mkdirSync(container);
    const script = `const server = require('node:net').createServer((s) => { s.end(JSON.stringify({ pod: 'server-b/container-1' }) + '\\n'); });
      server.listen(7003, '0.0.0.0', () => console.log(JSON.stringify({ msg: 'listening' })));
      setTimeout(() => process.exit(0), 60_000);`;
    const child = testbed.spawnInPod('server-b', [
      'sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', container, process.execPath, '-e', script,
    ]);
    try {
      await testbed.waitForLog(child, (line) => line.msg === 'listening', 10_000);
      const dropsBefore = strictDropped();
      const error = await connectDirect('outsider', 'server-b', 7003, droppedTimeoutMs).then(
        () => assert.fail('plaintext reached the container'),
        (e: { code: string }) => e,
      );
      assert.equal(error.code, 'ETIMEDOUT');
      assert.ok(strictDropped() > dropsBefore);
      // Through the proxy it is admitted (connect4 sends a meshed pod IP there on every port).
      const viaProxy = await mesh.worker('client').request('connect', {
        host: testbed.pod('server-b').ip, port: 7003, bytes: 0, expect: 'speak-first', timeoutMs: 5000,
      });
      assert.ok(viaProxy.receivedBytes > 0, 'the container answered through the proxy');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a workload PeerAuthentication overrides the namespace one; portLevelMtls overrides per port', async () => {
    writePeerAuthentications([
      { name: 'default', mode: 'STRICT' },
      { name: 'b-permissive', selector: { app: 'b' }, mode: 'PERMISSIVE' },
      { name: 'c-port', selector: { app: 'c' }, ports: { 7001: 'PERMISSIVE' } },
    ]);
    await waitForModes([
      { pod: 'server-b', mode: IngressMode.permissive },
      { pod: 'server-c', mode: IngressMode.strict },
      { pod: 'server-c', port: 7001, mode: IngressMode.permissive },
    ]);
    await assertDirectReaches('outsider', 'server-b');
    await assertDropped('outsider', 'server-c', 7000);
    await assertDirectReaches('outsider', 'server-c', 7001);

    // And the other way round: STRICT for one workload in a PERMISSIVE namespace.
    writePeerAuthentications([
      { name: 'default', mode: 'PERMISSIVE' },
      { name: 'c-strict', selector: { app: 'c' }, mode: 'STRICT' },
    ]);
    await waitForModes([
      { pod: 'server-b', mode: IngressMode.permissive },
      { pod: 'server-c', mode: IngressMode.strict },
      { pod: 'server-c', port: 7001, mode: undefined },
    ]);
    await assertDirectReaches('outsider', 'server-b');
    await assertDropped('outsider', 'server-c', 7001);
  });

  test('a mesh-wide STRICT policy in weft-system applies where the namespace says nothing; PERMISSIVE lets plaintext in again', async () => {
    writePeerAuthentications([{ name: 'default', namespace: 'weft-system', mode: 'STRICT' }]);
    await waitForModes([{ pod: 'server-b', mode: IngressMode.strict }, { pod: 'server-c', mode: IngressMode.strict }]);
    await assertDropped('outsider', 'server-b');

    writePeerAuthentications([
      { name: 'default', namespace: 'weft-system', mode: 'STRICT' },
      { name: 'default', mode: 'PERMISSIVE' },
    ]);
    await waitForModes([{ pod: 'server-b', mode: IngressMode.permissive }, { pod: 'server-c', mode: IngressMode.permissive }]);
    await assertDirectReaches('outsider', 'server-b');
    await assertDirectReaches('outsider-2', 'server-c');
  });

  test('a stopped agent leaves STRICT in force; weft cleanup detaches the ingress program with the others', async () => {
    writePeerAuthentications([{ name: 'default', mode: 'STRICT' }]);
    await waitForModes([{ pod: 'server-b', mode: IngressMode.strict }]);
    const agent = mesh.agents.get('node-1')!;
    const exited = new Promise((resolve) => agent.child.once('exit', resolve));
    agent.child.kill('SIGTERM');
    await exited;
    await assertDropped('outsider', 'server-b');

    execFileSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'cleanup', '--node', 'node-1', '--bpffs-root', mesh.testbed.pinRoot]);
    assert.deepEqual(attachedProgramNames(mesh.testbed.pod('server-b').cgroupDir), []);
    await assertDirectReaches('outsider', 'server-b', 7000, 'direct');
  });
});
