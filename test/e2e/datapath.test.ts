/**
 * The data path end to end on real kernel objects: pods are network
 * namespaces + cgroups, agents are real `weft agent` processes inside node
 * namespaces, and every connection goes through the kernel's connect4 and
 * sockops hooks into the node proxy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { linkInfo } from '../../native/index.js';
import { TestbedMesh, installRoot } from '../../testbed/mesh.js';

const echoVip = '10.96.0.10';
const talkerVip = '10.96.0.11';

function attachedProgramNames(cgroupDir: string): string[] {
  const out = execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroupDir], { encoding: 'utf8' });
  return (JSON.parse(out.trim() || '[]') as Array<{ name: string }>).map((p) => p.name).sort();
}

describe('data path: eBPF redirection into the node proxy', { timeout: 240_000 }, () => {
  let mesh: TestbedMesh;

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods: [
        { name: 'client-a', node: 'node-1', labels: { app: 'client' } },
        { name: 'echo-1', node: 'node-1', labels: { app: 'echo' } },
        { name: 'echo-2', node: 'node-1', labels: { app: 'echo' } },
        { name: 'echo-3', node: 'node-2', labels: { app: 'echo' } },
        { name: 'talker', node: 'node-2', labels: { app: 'talker' } },
        { name: 'pod-c', node: 'node-1', labels: { app: 'other' } },
        { name: 'outsider', node: 'node-1', workload: false },
      ],
      services: [
        { name: 'echo', clusterIP: echoVip, port: 7000, selector: { app: 'echo' } },
        { name: 'talker', clusterIP: talkerVip, port: 7001, selector: { app: 'talker' } },
      ],
    });
    for (const pod of ['echo-1', 'echo-2', 'echo-3']) {
      await mesh.worker(pod).request('listen', { port: 7000, mode: 'hello-echo' });
    }
    await mesh.worker('talker').request('listen', { port: 7001, mode: 'speak-first', bytes: 100_000 });
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
  });

  after(async () => {
    await mesh?.destroy();
  });

  test('a VIP that exists only in eBPF maps reaches a backend; the backend sees the node proxy as its peer', async () => {
    const result = await mesh.worker('client-a').request('connect', {
      host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.ok(['echo-1', 'echo-2', 'echo-3'].includes(result.hello.pod), `answered by ${result.hello.pod}`);
    assert.equal(result.hello.remoteAddress, mesh.testbed.node('node-1').ip);
    assert.equal(result.receivedSha256, result.sentSha256);
  });

  test('300 connections are spread round robin over all three backends, on both nodes', async () => {
    const result = await mesh.worker('client-a').request(
      'connectMany',
      { host: echoVip, port: 7000, count: 300, concurrency: 20, timeoutMs: 5000 },
      60_000,
    );
    assert.equal(result.failures, 0, JSON.stringify(result.errors));
    assert.deepEqual(result.byPod, { 'echo-1': 100, 'echo-2': 100, 'echo-3': 100 });
    // These agents have no certificates, so node-1 dials echo-3 directly, in plaintext: node-2 captures that
    // connection as a caller from outside the mesh and dials the pod itself. Each backend sees its node's proxy.
    assert.deepEqual(result.byRemote, { [mesh.testbed.node('node-1').ip]: 200, [mesh.testbed.node('node-2').ip]: 100 });
  });

  for (const bytes of [1, 1500, 1024 * 1024, 64 * 1024 * 1024]) {
    test(`${bytes} bytes each way arrive intact through the proxy`, async (t) => {
      const result = await mesh.worker('client-a').request(
        'connect',
        { host: echoVip, port: 7000, bytes, expect: 'hello-echo', timeoutMs: 60_000 },
        70_000,
      );
      t.diagnostic(`${bytes} bytes each way through the proxy in ${result.elapsedMs} ms`);
      assert.equal(result.sentBytes, bytes);
      assert.equal(result.receivedBytes, bytes);
      assert.equal(result.receivedSha256, result.sentSha256);
    });
  }

  test('half-close client to server: the client ends its side and still reads the whole answer', async () => {
    const result = await mesh.worker('client-a').request('connect', {
      host: echoVip, port: 7000, bytes: 200_000, expect: 'hello-echo', timeoutMs: 10_000,
    });
    assert.equal(result.receivedBytes, 200_000);
    assert.equal(result.receivedSha256, result.sentSha256);
  });

  test('half-close server to client: the server ends first and still reads what the client sends after', async () => {
    const talker = mesh.worker('talker');
    const received = talker.waitForEvent((event) => event.event === 'received', 10_000);
    const result = await mesh.worker('client-a').request('connect', {
      host: talkerVip, port: 7001, bytes: 50_000, expect: 'speak-first', timeoutMs: 10_000,
    });
    assert.equal(result.receivedBytes, 100_000);
    const event = await received;
    assert.equal(event.bytes, 50_000);
    assert.equal(event.sha256, result.sentSha256);
    // Cross-node without certificates: node-1 dials the talker in plaintext, and node-2's proxy, capturing it, dials the pod.
    assert.equal(event.remoteAddress, mesh.testbed.node('node-2').ip);
  });

  test('a pod that is not enrolled connects to the same VIP and is not redirected', async () => {
    const accepted = mesh.worker('echo-1').events.length + mesh.worker('echo-2').events.length;
    const result = await mesh.worker('outsider').request('connect', {
      host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 3000,
    }).then(
      () => assert.fail('an unenrolled pod reached the VIP'),
      (error: { code: string }) => error,
    );
    assert.ok(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(result.code), result.code);
    assert.equal(mesh.worker('echo-1').events.length + mesh.worker('echo-2').events.length, accepted);
  });

  test('a process in pod A using pod C\'s IP is still identified as pod A, by its cgroup', async () => {
    const { testbed } = mesh;
    const a = testbed.pod('client-a');
    const c = testbed.pod('pod-c');
    const node = testbed.node('node-1');
    await testbed.run(['ip', 'addr', 'add', `${c.ip}/32`, 'dev', 'eth0'], { netns: a.netns });
    // Replies to C's IP must reach the borrower, or the handshake never completes.
    await testbed.run(['ip', 'route', 'replace', `${c.ip}/32`, 'dev', a.vethOnNode, 'src', node.ip], { netns: node.netns });
    try {
      const result = await mesh.worker('client-a').request('connect', {
        host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', localAddress: c.ip, timeoutMs: 5000,
      });
      assert.equal(result.localAddress, c.ip);
      // The proxy logs once both sides have closed, a moment after the client saw its FIN.
      const line = await mesh.waitForAgentLog(
        'node-1',
        (entry) => entry.msg === 'connection complete' && entry.src?.addr === `${c.ip}:${result.localPort}`,
      );
      assert.equal(line.src.workload, 'default/client-a');
    } finally {
      await testbed.run(['ip', 'route', 'replace', `${c.ip}/32`, 'dev', c.vethOnNode, 'src', node.ip], { netns: node.netns });
      await testbed.run(['ip', 'addr', 'del', `${c.ip}/32`, 'dev', 'eth0'], { netns: a.netns });
    }
  });

  test('a process in a child cgroup of the pod (where container runtimes put it) is identified as the pod', async () => {
    const { testbed } = mesh;
    const a = testbed.pod('client-a');
    const container = join(a.cgroupDir, 'container-1');
    mkdirSync(container);
    const script = `const s = require('node:net').connect(7000, '${echoVip}', () => s.end('x'));
      let text = ''; s.on('data', (d) => (text += d));
      s.on('end', () => console.log(JSON.stringify({ msg: 'done', localPort: s.localPort, hello: JSON.parse(text.split('\\n')[0]) })));`;
    const child = testbed.spawnInPod('client-a', [
      'sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', container, process.execPath, '-e', script,
    ]);
    const done = await testbed.waitForLog(child, (line) => line.msg === 'done', 10_000);
    assert.equal(done.hello.remoteAddress, testbed.node('node-1').ip);
    const line = await mesh.waitForAgentLog(
      'node-1',
      (entry) => entry.msg === 'connection complete' && entry.src?.addr === `${a.ip}:${done.localPort}`,
    );
    assert.equal(line.src.workload, 'default/client-a');
  });

  test('a connection the proxy cannot resolve is refused and logged with the reason', async () => {
    const node = mesh.testbed.node('node-1');
    const error = await mesh.worker('outsider').request('connect', {
      host: node.ip, port: 15001, bytes: 16, expect: 'echo', timeoutMs: 3000,
    }).then(() => assert.fail('the proxy passed through a connection it could not resolve'), (e: { code: string }) => e);
    assert.equal(error.code, 'ECONNRESET');
    const line = await mesh.waitForAgentLog(
      'node-1',
      (entry) => entry.msg === 'connection refused' && entry.src?.addr?.startsWith(`${mesh.testbed.pod('outsider').ip}:`),
    );
    assert.equal(line.reason, 'no_original_destination');
  });

  test('SIGKILL of the agent: programs stay attached, connects fail fast, and work again after restart', async () => {
    const { testbed } = mesh;
    const cgroupDir = testbed.pod('client-a').cgroupDir;
    const pin = join(testbed.pinRoot, 'node-1', 'links', 'default_client-a', 'connect4');
    const linkBefore = linkInfo(pin);

    const agent = mesh.agents.get('node-1')!;
    const exited = new Promise((resolve) => agent.child.once('exit', resolve));
    agent.child.kill('SIGKILL');
    await exited;

    assert.deepEqual(attachedProgramNames(cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops']);
    const acceptedBefore = ['echo-1', 'echo-2'].map((p) => mesh.worker(p).events.length);
    for (let i = 0; i < 5; i++) {
      const error = await mesh.worker('client-a').request('connect', {
        host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 3000,
      }).then(() => assert.fail('connected while the agent was down'), (e: { code: string; elapsedMs?: number }) => e);
      assert.equal(error.code, 'ECONNREFUSED');
    }
    assert.deepEqual(['echo-1', 'echo-2'].map((p) => mesh.worker(p).events.length), acceptedBefore, 'nothing bypassed the proxy');
    assert.deepEqual(attachedProgramNames(cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops']);

    await mesh.startAgent('node-1');
    const linkAfter = linkInfo(pin);
    assert.equal(linkAfter.id, linkBefore.id, 'the same pinned link, re-pointed, never detached');
    assert.equal(linkAfter.cgroupId, linkBefore.cgroupId);
    const result = await mesh.worker('client-a').request('connect', {
      host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(result.receivedSha256, result.sentSha256);
  });

  test('weft cleanup detaches every program of a node and removes its pins; its pods are no longer redirected', async () => {
    const { testbed } = mesh;
    const agent = mesh.agents.get('node-2')!;
    const exited = new Promise((resolve) => agent.child.once('exit', resolve));
    agent.child.kill('SIGTERM');
    await exited;
    const cgroupDir = testbed.pod('talker').cgroupDir;
    assert.deepEqual(attachedProgramNames(cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops'], 'a stopped agent keeps its pins');
    execFileSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'cleanup', '--node', 'node-2', '--bpffs-root', testbed.pinRoot]);
    assert.deepEqual(attachedProgramNames(cgroupDir), []);
    assert.deepEqual(attachedProgramNames(testbed.pod('echo-3').cgroupDir), []);
    assert.equal(existsSync(join(testbed.pinRoot, 'node-2')), false);
    assert.ok(existsSync(join(testbed.pinRoot, 'node-1', 'mesh_dst')), 'other nodes untouched');
    // Still redirected, the connect would be refused at once by the stopped proxy's port (ECONNREFUSED);
    // uninstalled, the VIP is unroutable: ICMP unreachable is a soft error for a SYN, so it may also time out.
    const error = await mesh.worker('talker').request('connect', {
      host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 3000,
    }).then(() => assert.fail('reached a VIP with the mesh uninstalled'), (e: { code: string }) => e);
    assert.ok(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(error.code), error.code);
  });

  test('after teardown nothing of the run remains: no namespace, cgroup, pin or process', async () => {
    const { testbed } = mesh;
    const prefix = testbed.prefix;
    await mesh.destroy();
    assert.equal(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(prefix), false);
    assert.equal(existsSync(testbed.cgroupRoot), false);
    assert.equal(existsSync(testbed.pinRoot), false);
    assert.equal(readdirSync('/sys/fs/bpf').some((name) => name.includes(prefix)), false);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
    assert.deepEqual(processes.filter((p) => p.includes(prefix) && !p.startsWith('ps ')), []);
  });
});
