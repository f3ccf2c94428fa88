/**
 * The agent's own start and stop under load, as an operator meets them:
 * SIGTERM while tunnels carry traffic must end every connection on purpose
 * and exit 0, and a second agent started on a busy node (or beside one that
 * drains) must fail at once, naming the port and its holder, without
 * touching the running agent's traffic. Regression tests of issue 20's
 * items 1 and 2.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { installRoot, TestbedMesh, type MeshPod, type MeshService } from '../../testbed/mesh.js';

const farVip = '10.96.0.60';
const nearVip = '10.96.0.61';
const port = 7000;
const weftCli = join(installRoot, 'bin', 'weft.js');
/** the agent's default drain grace (agentDefaults.drainGraceMs) */
const drainGraceMs = 5000;

/** The exit code, once the process has exited (null if it has not within `timeoutMs`). */
function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface HoldOutcome {
  ok: boolean;
  code?: string;
  rounds?: number;
}

describe('the agent under load: a stop that ends every connection and exits 0, a second agent that fails cleanly', { timeout: 240_000 }, () => {
  let mesh: TestbedMesh;
  const pods: MeshPod[] = [
    { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
    { name: 'near-1', node: 'node-1', labels: { app: 'near' } },
    { name: 'far-2', node: 'node-2', labels: { app: 'far' } },
  ];
  const services: MeshService[] = [
    { name: 'far', clusterIP: farVip, port, selector: { app: 'far' } },
    { name: 'near', clusterIP: nearVip, port, selector: { app: 'near' } },
  ];

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1', 'node-2'], pods, services });
    await mesh.worker('near-1').request('listen', { port, mode: 'hello-echo' });
    await mesh.worker('far-2').request('listen', { port, mode: 'hello-echo' });
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    await reachable(farVip);
  });

  after(async () => {
    await mesh?.destroy();
  });

  /** Polls until client-1 gets an answer from the service (the first cross-node one waits for a certificate). */
  async function reachable(vip: string, limitMs = 15_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (let attempt = 0; attempt < 150; attempt++) {
      try {
        await mesh.worker('client-1').request('connect', { host: vip, port, bytes: 8, expect: 'hello-echo', timeoutMs: 1000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  /** `count` long-lived echo connections from client-1 to the service, each settling with how it ended. */
  function holds(vip: string, count: number, durationMs: number): Promise<HoldOutcome>[] {
    return Array.from({ length: count }, () =>
      mesh
        .worker('client-1')
        .request<{ rounds: number }>('hold', { host: vip, port, durationMs, intervalMs: 100, expect: 'hello-echo' })
        .then(
          (result): HoldOutcome => ({ ok: true, rounds: result.rounds }),
          (error: { code?: string }): HoldOutcome => ({ ok: false, code: error.code }),
        ),
    );
  }

  /** `weft status --json` of a node's agent. */
  async function status(node: string): Promise<Record<string, any>> {
    const { stdout } = await mesh.testbed.run([process.execPath, weftCli, 'status', '--json'], { netns: mesh.testbed.node(node).netns });
    return JSON.parse(stdout) as Record<string, any>;
  }

  /** Waits until node-2's proxy carries at least `streams` inbound tunnel streams. */
  async function inboundStreams(streams: number): Promise<void> {
    let seen = 0;
    for (let i = 0; i < 100 && seen < streams; i++) {
      const sessions = ((await status('node-2')).inboundSessions ?? []) as Array<{ streams: number }>;
      seen = sessions.reduce((sum, session) => sum + session.streams, 0);
      if (seen < streams) await sleep(100);
    }
    assert.ok(seen >= streams, `node-2 carries ${seen} inbound streams, expected ${streams}`);
  }

  function agentLines(logFile: string): Record<string, any>[] {
    return mesh.testbed.readLogLines(logFile);
  }

  for (const node of ['node-2', 'node-1'] as const) {
    const side = node === 'node-2' ? 'inbound tunnel sessions (TLS)' : 'outbound connections and pooled tunnels';
    test(`SIGTERM to the agent of ${node}, holding ${side} under cross-node load, ends every connection and exits 0`, async () => {
      const held = holds(farVip, 6, 30_000);
      await inboundStreams(6);
      const agent = mesh.agents.get(node)!;
      const stoppedAt = performance.now();
      agent.child.kill('SIGTERM');
      const code = await exitCode(agent.child, drainGraceMs + 10_000);
      const outcomes = await Promise.all(held);
      const stopMs = performance.now() - stoppedAt;

      const lines = agentLines(agent.logFile);
      const failures = lines.filter((line) => line.level >= 50).map((line) => `${line.msg}: ${line.err?.message ?? ''}`);
      assert.deepEqual(failures, [], 'the stop logs no error');
      assert.equal(code, 0, 'the agent exits 0');
      const stopped = lines.find((line) => line.msg === 'agent stopped');
      assert.ok(stopped, "the agent logs 'agent stopped'");
      assert.ok(stopped.forced >= 1, `the drain's forced end cut the connections still open after the grace (forced ${stopped.forced})`);
      // Cut on purpose: each client saw its connection end (a reset or a close), none was left hanging.
      assert.deepEqual(
        outcomes.map((outcome) => (outcome.ok ? 'completed' : outcome.code)).filter((code) => !['ECONNRESET', 'ECLOSED', 'EPIPE'].includes(code!)),
        [],
        'every held connection was ended by the stop (reset or closed), none timed out or completed',
      );
      assert.ok(stopMs < drainGraceMs + 5000, `the stop took ${Math.round(stopMs)} ms (the grace is ${drainGraceMs} ms)`);

      await mesh.startAgent(node);
      await mesh.waitForNodeAddresses();
      await reachable(farVip);
    });
  }

  test('a second agent on a busy node fails at once, naming the port and its holder, and the running agent carries on', async () => {
    const first = mesh.agents.get('node-1')!;
    const errorsBefore = agentLines(first.logFile).filter((line) => line.level >= 50).length;
    const held = [...holds(nearVip, 3, 4000), ...holds(farVip, 3, 4000)];
    const second = mesh.launchAgent('node-1');
    const code = await exitCode(second.child, 15_000);
    assert.equal(code, 1, 'the second agent exits 1');
    const lines = agentLines(second.logFile);
    const failure = lines.find((line) => line.msg.startsWith('agent did not start'));
    assert.ok(failure, `the second agent says it did not start: ${JSON.stringify(lines.slice(-3))}`);
    assert.equal(failure.err?.code, 'WEFT_ERR_PORT_IN_USE');
    assert.match(failure.msg, /port 15001 \(the outbound proxy listener\) is in use by pid \d+ \(.*agent --node node-1/);
    assert.match(failure.msg, /changed nothing on the node/);
    assert.deepEqual(
      lines.filter((line) => line !== failure).map((line) => line.msg),
      [],
      'nothing else happened in the second agent: no config, no datapath, no enrolment',
    );

    const outcomes = await Promise.all(held);
    assert.deepEqual(outcomes.filter((outcome) => !outcome.ok), [], 'every connection of the running agent lived through the attempt');
    assert.equal(first.child.exitCode, null, 'the first agent still runs');
    assert.equal(agentLines(first.logFile).filter((line) => line.level >= 50).length, errorsBefore, 'the first agent logged no error');
    await reachable(nearVip);
  });

  test('a second agent started while the first drains fails on the port still held (metrics), binds nothing, and the drain ends with exit 0', async () => {
    const first = mesh.agents.get('node-1')!;
    const held = holds(nearVip, 2, 30_000);
    await sleep(300); // the holds are connected: the drain has something to wait for
    first.child.kill('SIGTERM');
    await mesh.testbed.waitForLog(first.logFile, (line) => line.msg === 'stopping', 5000);
    const second = mesh.launchAgent('node-1');
    const code = await exitCode(second.child, 15_000);
    assert.equal(code, 1, 'the second agent exits 1');
    const failure = agentLines(second.logFile).find((line) => line.msg.startsWith('agent did not start'));
    assert.ok(failure, 'the second agent says it did not start');
    assert.equal(failure.err?.code, 'WEFT_ERR_PORT_IN_USE');
    // The draining agent closed its proxy listeners at once; its metrics port stays until the drain ends.
    assert.match(failure.msg, /port 15020 \(metrics and readiness\) is in use by pid \d+/);

    assert.equal(await exitCode(first.child, drainGraceMs + 10_000), 0, 'the draining agent exits 0');
    await Promise.all(held);
    // Nothing of the second attempt is left behind: a new agent binds every port and serves.
    await mesh.startAgent('node-1');
    await mesh.waitForNodeAddresses();
    await reachable(nearVip);
    await reachable(farVip);
  });
});
