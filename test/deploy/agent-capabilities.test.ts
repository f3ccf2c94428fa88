/**
 * The agent DaemonSet drops every capability and adds a few instead of
 * running privileged. Here the agent runs on the testbed with exactly the
 * rendered DaemonSet's capabilities (setpriv: that bounding set, nothing
 * inheritable, no_new_privs as allowPrivilegeEscalation: false says) and
 * must do all of its work: load, attach to pod cgroups, redirect, serve
 * readiness, come back on its pins after a restart. Each capability the
 * kernel checks here is needed: without it the agent never gets ready.
 * Then the uninstall DaemonSet's `weft cleanup`, with its own capabilities,
 * must leave no pin and no attachment.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { linkInfo } from '../../native/index.js';
import { TestbedMesh } from '../../testbed/mesh.js';
import { asContainer, weftCommand } from './container-run.js';
import { findObject, flag, render } from './rendered.js';

const echoVip = '10.96.0.10';
const weft = weftCommand;

const installed = render();
const uninstall = render('uninstall');
const agentPod = findObject(installed, 'DaemonSet', 'weft-agent').spec.template.spec;
const agentContainer = agentPod.containers[0];
const cleanupPod = findObject(uninstall, 'DaemonSet', 'weft-cleanup').spec.template.spec;
const cleanupContainer = cleanupPod.initContainers[0];

function attachedProgramNames(cgroupDir: string): string[] {
  const out = execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroupDir], { encoding: 'utf8' });
  return (JSON.parse(out.trim() || '[]') as Array<{ name: string }>).map((p) => p.name).sort();
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('the agent with the DaemonSet\'s capabilities', { timeout: 180_000 }, () => {
  let mesh: TestbedMesh;
  let runs = 0;

  /** The agent as the DaemonSet's container runs it, on the testbed's manifests. */
  function startAgent(without?: string): { child: ChildProcess; logFile: string } {
    const logFile = join(mesh.testbed.runDir, `agent-${++runs}.log`);
    const argv = [...weft, 'agent', '--node', 'node-1', '--node-ip', mesh.testbed.node('node-1').ip, '--config-dir', mesh.configDir, '--bpffs-root', mesh.testbed.pinRoot];
    const child = mesh.testbed.spawnInNode('node-1', asContainer(agentContainer, agentPod, argv, without ? { without } : {}), { logFile });
    return { child, logFile };
  }

  async function startReadyAgent(): Promise<ChildProcess> {
    const { child, logFile } = startAgent();
    await mesh.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
    return child;
  }

  const connectVip = () => mesh.worker('client').request('connect', { host: echoVip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000 });

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1'],
      pods: [
        { name: 'client', node: 'node-1', labels: { app: 'client' } },
        { name: 'echo', node: 'node-1', labels: { app: 'echo' } },
      ],
      services: [{ name: 'echo', clusterIP: echoVip, port: 7000, selector: { app: 'echo' } }],
    });
    await mesh.worker('echo').request('listen', { port: 7000, mode: 'hello-echo' });
  });

  after(async () => {
    await mesh?.destroy();
  });

  test('loads, attaches to the pods\' cgroups, redirects through the proxy and reports ready', async () => {
    const agent = await startReadyAgent();
    try {
      for (const pod of ['client', 'echo']) {
        assert.deepEqual(attachedProgramNames(mesh.testbed.pod(pod).cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops']);
      }
      const probe = agentContainer.readinessProbe.httpGet as { path: string; port: number };
      const ready = await mesh.testbed.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${mesh.testbed.node('node-1').ip}:${probe.port}${probe.path}`], { netns: mesh.testbed.node('node-1').netns });
      assert.equal(ready.stdout, '200');
      const result = await connectVip();
      assert.equal(result.hello.pod, 'echo');
      assert.equal(result.hello.remoteAddress, mesh.testbed.node('node-1').ip, 'the echo pod is reached by the node proxy');
    } finally {
      await stop(agent);
    }
  });

  test('the agent\'s effective capabilities are the DaemonSet\'s list (as far as this machine grants them) and nothing else', async () => {
    const { child, logFile } = startAgent();
    try {
      await mesh.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
      // nsenter, the testbed's sh and setpriv each exec the next: child.pid is the agent's node.
      // (Node 24 names its main thread MainThread, so the executable tells, not the Name: line.)
      assert.equal(readlinkSync(`/proc/${child.pid}/exe`), realpathSync(process.execPath));
      // bin/weft.js replaced itself (same pid) with a node that keeps Node 20's young generation.
      assert.ok(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=16'));
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const effective = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
      const bits: Record<string, number> = { NET_ADMIN: 12, SYS_RESOURCE: 24, BPF: 39, SYS_ADMIN: 21, PERFMON: 38 };
      const expected = (agentContainer.securityContext.capabilities.add as string[]).reduce((mask, name) => {
        if (bits[name] === undefined) assert.fail(`no bit number for CAP_${name} here`);
        return mask | (1n << BigInt(bits[name]));
      }, 0n);
      // Only what this machine can grant: a sandbox may itself lack one (here, possibly SYS_RESOURCE).
      const grantable = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
      assert.equal(effective.toString(16), (expected & grantable).toString(16));
      assert.match(status, /^NoNewPrivs:\s*1$/m);
    } finally {
      await stop(child);
    }
  });

  test('a restart with the same capabilities re-points the pinned links; while down, connects fail fast instead of bypassing', async () => {
    const pin = join(mesh.testbed.pinRoot, 'node-1', 'links', 'default_client', 'connect4');
    const before = linkInfo(pin);
    const error = await connectVip().then(() => assert.fail('connected with no agent'), (e: { code: string }) => e);
    assert.equal(error.code, 'ECONNREFUSED');
    const agent = await startReadyAgent();
    try {
      assert.equal(linkInfo(pin).id, before.id, 'the same link, never detached');
      assert.equal((await connectVip()).hello.pod, 'echo');
    } finally {
      await stop(agent);
    }
  });

  // SYS_RESOURCE is not needed to get ready: on kernels before 5.11 it raises
  // RLIMIT_MEMLOCK for BPF maps (this kernel accounts them to the memory
  // cgroup), and without it the agent keeps the open-file limit it was given
  // (agent/system/open-files.ts), which only sizes its connection budget.
  for (const capability of (agentContainer.securityContext.capabilities.add as string[]).filter((c) => c !== 'SYS_RESOURCE')) {
    test(`without ${capability} the agent never gets ready`, async () => {
      const { child, logFile } = startAgent(capability);
      try {
        const outcome = await Promise.race([
          mesh.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 10_000).then(() => 'ready', () => 'not ready'),
          new Promise((resolve) => child.once('exit', () => resolve('exited'))),
        ]);
        assert.notEqual(outcome, 'ready');
      } finally {
        await stop(child);
      }
    });
  }

  test('uninstall: the cleanup container, with its capabilities, leaves no pin and no attachment; pods talk directly again', async () => {
    assert.deepEqual(attachedProgramNames(mesh.testbed.pod('client').cgroupDir), ['weft_connect4', 'weft_ingress', 'weft_sockops'], 'a stopped agent leaves its pins');
    const argv = [...weft, 'cleanup', '--node', 'node-1', '--bpffs-root', mesh.testbed.pinRoot];
    assert.equal(flag(cleanupContainer.args, '--node'), '$(NODE_NAME)');
    await mesh.testbed.run(asContainer(cleanupContainer, cleanupPod, argv), { netns: mesh.testbed.node('node-1').netns });
    for (const pod of ['client', 'echo']) assert.deepEqual(attachedProgramNames(mesh.testbed.pod(pod).cgroupDir), [], pod);
    assert.equal(existsSync(join(mesh.testbed.pinRoot, 'node-1')), false);
    const direct = await mesh.worker('client').request('connect', { host: mesh.testbed.pod('echo').ip, port: 7000, bytes: 16, expect: 'hello-echo', timeoutMs: 5000 });
    assert.equal(direct.hello.remoteAddress, mesh.testbed.pod('client').ip, 'no proxy in between any more');
  });
});
