/**
 * The testbed on real kernel objects (run as root): two nodes, three pods,
 * pod workers talking directly — no mesh, no eBPF — so every peer address
 * is the real one. Then teardown, by destroy(), by SIGTERM and by the sweep
 * of a run whose owner was SIGKILLed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { cgroup2MountPoint } from '../agent/system/mounts.js';
import { planLayout } from './layout.js';
import { isRunPrefix, newRunPrefix } from './run-prefix.js';
import { sweepStale, Testbed, type PodWorker } from './testbed.js';

const testbedModule = fileURLToPath(new URL('./testbed.js', import.meta.url));

/** A zombie has ended: it only waits for whoever inherited it to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** What of a run is still on the machine, described for an assertion message. */
function leftovers(prefix: string, pids: number[] = []): string[] {
  const found: string[] = [];
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(prefix));
  if (netns.length > 0) found.push(`netns ${netns.join(', ')}`);
  if (readdirSync(cgroup2MountPoint()!).includes(prefix)) found.push(`cgroup ${cgroup2MountPoint()}/${prefix}`);
  const pins = execFileSync('find', ['/sys/fs/bpf', '-maxdepth', '3', '-name', `${prefix}*`], { encoding: 'utf8' }).trim();
  if (pins) found.push(`pins ${pins}`);
  if (existsSync(`/tmp/${prefix}`)) found.push(`run dir /tmp/${prefix}`);
  if (existsSync(`/run/weft-testbed/${prefix}.json`)) found.push('owner record');
  const named = spawnSync('pgrep', ['-f', prefix], { encoding: 'utf8' }).stdout.trim(); // exit 1: none
  if (named) found.push(`processes with the prefix in their arguments: ${named.split('\n').join(', ')}`);
  for (const pid of pids.filter(running)) found.push(`process ${pid} still runs`);
  return found;
}

describe('layout and prefix (no kernel objects)', () => {
  test('a run prefix is weft-, a kind letter and 6 hex digits', () => {
    const prefix = newRunPrefix('t');
    assert.match(prefix, /^weft-t[0-9a-f]{6}$/);
    assert.ok(isRunPrefix(prefix));
    assert.throws(() => newRunPrefix('T1'));
  });

  test('addresses, names and cgroup paths follow the node and pod order', () => {
    const layout = planLayout(
      { nodes: ['node-1', 'node-2'], pods: [{ name: 'a', node: 'node-1' }, { name: 'b', node: 'node-2' }, { name: 'c', node: 'node-1', ip: '10.244.9.9' }] },
      'weft-t000001',
      '/cg',
    );
    assert.deepEqual(layout.nodes.map((n) => [n.netns, n.ip, n.podCidr]), [
      ['weft-t000001-node-1', '10.10.0.1', '10.244.1.0/24'],
      ['weft-t000001-node-2', '10.10.0.2', '10.244.2.0/24'],
    ]);
    assert.deepEqual(layout.pods.map((p) => [p.ip, p.vethOnNode, p.cgroupPath, p.cgroupDir]), [
      ['10.244.1.10', 'p1', '/weft-t000001/node-1/a', '/cg/weft-t000001/node-1/a'],
      ['10.244.2.10', 'p2', '/weft-t000001/node-2/b', '/cg/weft-t000001/node-2/b'],
      ['10.244.9.9', 'p3', '/weft-t000001/node-1/c', '/cg/weft-t000001/node-1/c'],
    ]);
    for (const name of [...layout.nodes.map((n) => n.vethOnFabric), ...layout.pods.map((p) => p.vethOnNode)]) {
      assert.ok(name.length <= 15);
    }
  });

  test('a bad spec is refused before anything is created', () => {
    const plan = (spec: Parameters<typeof planLayout>[0]) => () => planLayout(spec, 'weft-t000001', '/cg');
    assert.throws(plan({ nodes: ['n'], pods: [{ name: 'n', node: 'n' }] }), /used twice/);
    assert.throws(plan({ nodes: ['n'], pods: [{ name: 'a', node: 'm' }] }), /not a node/);
    assert.throws(plan({ nodes: ['fabric'], pods: [] }), /reserved/);
    assert.throws(plan({ nodes: ['n'], pods: [{ name: 'a', node: 'n', ip: '10.10.0.7' }] }), /node network/);
    assert.throws(plan({ nodes: ['N_1'], pods: [] }), /DNS label/);
    assert.throws(plan({ nodes: ['n'], pods: [{ name: 'a', node: 'n', ip: '224.0.0.5' }] }), /unicast/);
  });
});

describe('a two-node testbed with three pods', { timeout: 60_000 }, () => {
  let bed: Testbed;
  const workers = new Map<string, PodWorker>();
  const worker = (pod: string): PodWorker => workers.get(pod)!;

  before(async () => {
    bed = await Testbed.create({
      nodes: ['node-1', 'node-2'],
      pods: [
        { name: 'pod-a', node: 'node-1' },
        { name: 'pod-b', node: 'node-1' },
        { name: 'pod-c', node: 'node-2' },
      ],
    });
    for (const pod of ['pod-a', 'pod-b', 'pod-c']) workers.set(pod, await bed.startWorker(pod));
    for (const pod of ['pod-b', 'pod-c']) {
      await worker(pod).request('listen', { port: 7000, mode: 'hello-echo' });
      await worker(pod).request('listen', { port: 7001, mode: 'echo' });
    }
    await worker('pod-c').request('listen', { port: 7002, mode: 'speak-first', bytes: 100_000 });
  });

  after(async () => {
    await bed?.destroy();
  });

  test('the layout exists: namespaces, addresses, cgroups, pin root', async () => {
    assert.match(bed.prefix, /^weft-t[0-9a-f]{6}$/);
    assert.equal(bed.pod('pod-a').ip, '10.244.1.10');
    assert.equal(bed.pod('pod-b').ip, '10.244.1.11');
    assert.equal(bed.pod('pod-c').ip, '10.244.2.10');
    assert.equal(bed.pod('pod-a').cgroupPath, `/${bed.prefix}/node-1/pod-a`);
    assert.ok(existsSync(bed.pod('pod-a').cgroupDir));
    assert.ok(existsSync(bed.pinRoot));
    const { stdout } = await bed.run(['ip', '-j', 'addr', 'show', 'eth0'], { netns: bed.pod('pod-c').netns });
    const [eth0] = JSON.parse(stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    assert.deepEqual(eth0!.addr_info.filter((a) => a.local.includes('.')).map((a) => `${a.local}/${a.prefixlen}`), ['10.244.2.10/32']);
    await assert.rejects(bed.run(['ip', 'link', 'show', 'no-such-link'], { netns: bed.node('node-1').netns }), /ip link show no-such-link.*does not exist/s);
  });

  test('a pod reaches a pod on the same node, which sees the real client IP', async () => {
    const result = await worker('pod-a').request('connect', {
      host: bed.pod('pod-b').ip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(result.hello.pod, 'pod-b');
    assert.equal(result.hello.remoteAddress, bed.pod('pod-a').ip);
    assert.equal(result.hello.remotePort, result.localPort);
    assert.equal(result.localAddress, bed.pod('pod-a').ip);
    assert.equal(result.receivedSha256, result.sentSha256);
  });

  test('a pod reaches a pod on the other node, which sees the real client IP', async () => {
    const accepted = worker('pod-c').waitForEvent((e) => e.event === 'accepted' && e.port === 7000, 5000);
    const result = await worker('pod-a').request('connect', {
      host: bed.pod('pod-c').ip, port: 7000, bytes: 1500, expect: 'hello-echo', timeoutMs: 5000,
    });
    assert.equal(result.hello.pod, 'pod-c');
    assert.equal(result.hello.remoteAddress, bed.pod('pod-a').ip);
    assert.equal(result.receivedBytes, 1500);
    assert.equal((await accepted).remoteAddress, bed.pod('pod-a').ip);
  });

  test('1 MiB each way arrives intact across nodes', async () => {
    const bytes = 1024 * 1024;
    const result = await worker('pod-a').request('connect', {
      host: bed.pod('pod-c').ip, port: 7001, bytes, expect: 'echo', timeoutMs: 10_000,
    });
    assert.equal(result.sentBytes, bytes);
    assert.equal(result.receivedBytes, bytes);
    assert.equal(result.receivedSha256, result.sentSha256);
  });

  test('speak-first: the server half-closes first and still reads what the client sends after', async () => {
    const received = worker('pod-c').waitForEvent((e) => e.event === 'received', 10_000);
    const result = await worker('pod-b').request('connect', {
      host: bed.pod('pod-c').ip, port: 7002, bytes: 50_000, expect: 'speak-first', timeoutMs: 10_000,
    });
    assert.equal(result.receivedBytes, 100_000);
    const event = await received;
    assert.equal(event.bytes, 50_000);
    assert.equal(event.sha256, result.sentSha256);
    assert.equal(event.sentSha256, result.receivedSha256);
    assert.equal(event.remoteAddress, bed.pod('pod-b').ip);
  });

  test('failures carry the socket errno code and how long they took', async () => {
    const refused = await worker('pod-a')
      .request('connect', { host: bed.pod('pod-c').ip, port: 7999, bytes: 16, expect: 'echo', timeoutMs: 3000 })
      .then(() => assert.fail('connected to a port nobody listens on'), (e: { code: string; elapsedMs: number }) => e);
    assert.equal(refused.code, 'ECONNREFUSED');
    assert.ok(refused.elapsedMs < 2000, `took ${refused.elapsedMs} ms`);
    // 10.96.0.0/16 exists nowhere here: the node has no route, so no answer
    const unroutable = await worker('pod-a')
      .request('connect', { host: '10.96.0.10', port: 80, bytes: 16, expect: 'echo', timeoutMs: 1000 })
      .then(() => assert.fail('reached an address that exists nowhere'), (e: { code: string }) => e);
    assert.ok(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(unroutable.code), unroutable.code);
  });

  test('connectMany counts answers by pod and by the address the server saw', async () => {
    const result = await worker('pod-a').request('connectMany', {
      host: bed.pod('pod-b').ip, port: 7000, count: 40, concurrency: 8, timeoutMs: 5000,
    });
    assert.deepEqual(result, { byPod: { 'pod-b': 40 }, byRemote: { [bed.pod('pod-a').ip]: 40 }, ok: 40, failures: 0, errors: {} });
  });

  test('a node process runs outside pod cgroups and reaches a pod from the node IP', async () => {
    const script = `
      const net = require('node:net');
      const cgroup = require('node:fs').readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)[1];
      const socket = net.connect({ host: process.env.TARGET, port: 7000 });
      socket.setTimeout(5000, () => process.exit(3));
      socket.once('data', (line) => {
        console.log(JSON.stringify({ msg: 'hello', cgroup, hello: JSON.parse(line.toString().split('\\n')[0]) }));
        socket.destroy();
      });`;
    const child = bed.spawnInNode('node-1', [process.execPath, '-e', script], { env: { TARGET: bed.pod('pod-b').ip } });
    const line = await bed.waitForLog(child, (record) => record.msg === 'hello', 8000);
    assert.equal(line.hello.pod, 'pod-b');
    assert.equal(line.hello.remoteAddress, bed.node('node-1').ip);
    assert.match(line.cgroup, new RegExp(`^/${bed.prefix}/agents/node-1-\\d+$`));
    assert.deepEqual(bed.readLogLines(child).map((r) => r.msg), ['hello']);
  });

  test('destroy() removes every namespace, cgroup, pin, file and process of the run', async () => {
    const pids = [...workers.values()].map((w) => w.pid!);
    await bed.destroy();
    await bed.destroy(); // idempotent
    assert.deepEqual(leftovers(bed.prefix, pids), []);
    assert.ok([...workers.values()].every((w) => w.exitStatus !== undefined));
  });
});

describe('teardown on a build failure and when the owner is stopped', { timeout: 60_000 }, () => {
  /** A separate process that builds a one-pod testbed, starts a worker and waits. */
  function startOwner(): Promise<{ child: ReturnType<typeof spawn>; prefix: string; workerPid: number }> {
    const script = `
      const { Testbed } = await import(${JSON.stringify(testbedModule)});
      const bed = await Testbed.create({ kind: 'x', nodes: ['n1'], pods: [{ name: 'p1', node: 'n1' }] });
      const worker = await bed.startWorker('p1');
      console.log(JSON.stringify({ prefix: bed.prefix, workerPid: worker.pid }));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the owner process did not build its testbed in 15 s')), 15_000);
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (!line) return;
        clearTimeout(timer);
        resolve({ child, ...(JSON.parse(line) as { prefix: string; workerPid: number }) });
      });
      child.once('exit', (code) => reject(new Error(`the owner process exited early (${code})`)));
    });
  }

  function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  test('a failure while building removes what was already built, then throws', async () => {
    // a sysctl that always fails: the first node's ip_forward cannot be set
    const fakeBin = mkdtempSync(join(tmpdir(), 'weft-testbed-fake-bin-'));
    writeFileSync(join(fakeBin, 'sysctl'), '#!/bin/sh\necho "sysctl: refused by the test" >&2\nexit 1\n');
    chmodSync(join(fakeBin, 'sysctl'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${fakeBin}:${path}`;
    try {
      const error = await Testbed.create({ nodes: ['n1'], pods: [{ name: 'p1', node: 'n1' }] }).then(
        () => assert.fail('built with a failing sysctl'),
        (e: Error) => e,
      );
      assert.match(error.message, /sysctl.*refused by the test/s);
      const prefix = /testbed (weft-t[0-9a-f]{6})/.exec(error.message)?.[1];
      assert.ok(prefix, error.message);
      assert.deepEqual(leftovers(prefix), []);
    } finally {
      process.env.PATH = path;
      rmSync(fakeBin, { recursive: true, force: true });
    }
  });

  test('SIGTERM: the owner removes everything and exits with 143', async () => {
    const { child, prefix, workerPid } = await startOwner();
    assert.match(prefix, /^weft-x[0-9a-f]{6}$/);
    assert.notDeepEqual(leftovers(prefix), [], 'the run exists before the signal');
    child.kill('SIGTERM');
    assert.equal(await exitOf(child), 143);
    assert.deepEqual(leftovers(prefix, [workerPid]), []);
  });

  test('SIGKILL: the leftovers are swept once the owner is gone', async () => {
    const { child, prefix, workerPid } = await startOwner();
    child.kill('SIGKILL');
    await exitOf(child);
    assert.notDeepEqual(leftovers(prefix), [], 'a SIGKILLed owner cannot clean up');
    const { swept, failures } = sweepStale();
    assert.deepEqual(failures, []);
    assert.ok(swept.includes(prefix), `swept ${swept.join(', ')}`);
    assert.deepEqual(leftovers(prefix, [workerPid]), []);
  });
});
