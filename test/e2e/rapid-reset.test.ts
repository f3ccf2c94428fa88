/**
 * HTTP/2 rapid reset (CVE-2023-44487) on the tunnel port, end to end: a
 * flooder with a valid mesh certificate plays a peer node proxy from node-1
 * and opens CONNECT streams to a pod of node-2, cancelling each at once,
 * coming back with a new session each time one is sent away, while a
 * bystander pod of node-1 keeps connecting through the mesh to a service on
 * the same pod. What must hold: node-2's proxy dials the pod for
 * none of the reset streams, the bystander's p99 stays within 2x its
 * baseline with no failure, the resets show on node-2's /metrics and in its
 * log, and once the flooder is gone node-2 counts exactly the sessions that
 * are really open (weft status, the gauge and the kernel agree).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tunnelServerName } from '../../agent/proxy/hbone.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { inNetns } from '../../testbed/exec.js';
import { meshCredentials, type MeshCredentials } from './mesh-credentials.js';
import { TestbedMesh, installRoot, type MeshPod, type MeshService } from '../../testbed/mesh.js';

const farVip = '10.96.0.50';
/** The bystander's service port on echo-2. */
const farPort = 7000;
/** The flood's target on the same pod: a port of its own, so the pod's count for it is the flood's alone. */
const floodPort = 7001;
const tunnelPort = 15008;
const metricsPort = 15020;
const weftCli = join(installRoot, 'bin', 'weft.js');
const flooderScript = fileURLToPath(new URL('./rapid-reset-flooder.js', import.meta.url));
const identityOf = (serviceAccount: string): WorkloadIdentity => ({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount });
const farService: MeshService = { name: 'far', clusterIP: farVip, port: farPort, selector: { app: 'far' } };

/** The flood: sessions at once, each sending up to this many streams (the server may end it sooner);
 * each that ends is replaced by a new one for `floodMs`, up to `floodMaxStreams` streams in all.
 * RR_SESSIONS, RR_STREAMS, RR_MS and RR_END (close, destroy, exit: how a flooder session ends)
 * change the flood's shape for a run by hand; `npm test` runs it as written here. */
const floodSessions = Number(process.env.RR_SESSIONS ?? 4);
const floodStreamsPerSession = Number(process.env.RR_STREAMS ?? 2000);
const floodMs = Number(process.env.RR_MS ?? 3000);
const floodMaxStreams = 40_000;
/** Bystander connects for the baseline, and at most during the flood (it stops when the flooder has). */
const baselineConnects = 100;
const maxFloodConnects = 300;
/**
 * The baseline's p99 floor, in ms. On this 2-core machine shared with other
 * testbeds a quiet baseline's p99 swings between ~5 and ~20 ms from run to
 * run with nothing of ours changing, and 2x a lucky 5 ms is below the noise;
 * the issue measured 20 ms. The raw figures are printed either way.
 */
const baselineFloorMs = 20;

/**
 * The flooder in node-1's namespace, niced: on this testbed it shares the
 * machine's two cores with both agents and the pods, where a real flooder
 * would bring its own CPU; at full priority it slows the bystander by taking
 * the CPU, whatever node-2 does. `flooding` resolves when its first session
 * is up (its stderr says so), `done` with its stdout once it exits.
 */
function startFlooder(netns: string, args: string[]): { flooding: Promise<void>; done: Promise<string>; running: () => boolean } {
  const argv = inNetns(netns, ['nice', '-n', '10', process.execPath, flooderScript, ...args]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const done = new Promise<string>((resolve, reject) =>
    child.once('close', (code) => {
      exited = true;
      clearTimeout(kill);
      if (code === 0) resolve(stdout);
      else reject(new Error(`the flooder exited ${code}: ${stderr}`));
    }),
  );
  const flooding = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('flooding')) resolve();
    });
    done.then(() => reject(new Error(`the flooder exited before it flooded: ${stderr}`)), reject);
  });
  flooding.catch(() => undefined);
  return { flooding, done, running: () => !exited };
}

/** CPU seconds (user + system) the processes whose command line holds every one of `patterns` have used so far. */
function cpuSeconds(patterns: string[]): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!patterns.every((pattern) => cmdline.includes(pattern))) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Infinity;
}

describe('HTTP/2 rapid reset on the tunnel port', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  const pods: MeshPod[] = [
    { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
    { name: 'echo-2', node: 'node-2', labels: { app: 'far' } },
  ];
  let creds: MeshCredentials | undefined;
  let flood: { result: { sessions: number; sent: number; goaway: Record<string, number>; errors: Record<string, number>; answered: number; elapsedMs: number }; bystander: number[]; failures: string[]; acceptedBefore: Record<string, number>; acceptedAfter: Record<string, number>; baseline: number[]; cpu: { node1: number; node2: number } } | undefined;

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1', 'node-2'], pods, services: [farService] });
    await mesh.worker('echo-2').request('listen', { port: farPort, mode: 'hello-echo' });
    await mesh.worker('echo-2').request('listen', { port: floodPort, mode: 'hello-echo' });
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    // The first cross-node connection waits for client-1's certificate; bounded.
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 100; i++) {
      const ok = await connectOnce().then(() => true, () => false);
      if (ok) break;
      assert.ok(Date.now() < deadline, 'client-1 reaches far within 15 s of the agents starting');
      await sleep(100);
    }
    await credentials();
  });

  after(async () => {
    await mesh?.destroy();
  });

  function connectOnce(): Promise<{ elapsedMs: number; hello: { pod: string } }> {
    return mesh.worker('client-1').request('connect', { host: farVip, port: farPort, bytes: 8, expect: 'hello-echo', timeoutMs: 3000 });
  }

  /** A client certificate of this mesh for client-1, asked of the running CA as node-1's agent asks, and the root. */
  async function credentials(): Promise<MeshCredentials> {
    creds ??= await meshCredentials(mesh, 'flooder-credentials', 'node-1', identityOf('client-1'));
    return creds;
  }

  async function accepted(): Promise<Record<string, number>> {
    return ((await mesh.worker('echo-2').request('accepted', {})) as { byPort: Record<string, number> }).byPort;
  }

  async function statusOf(node: string): Promise<Record<string, any>> {
    const { stdout } = await mesh.testbed.run([process.execPath, weftCli, 'status', '--json'], { netns: mesh.testbed.node(node).netns });
    return JSON.parse(stdout) as Record<string, any>;
  }

  async function metricsOf(node: string): Promise<string> {
    const { stdout } = await mesh.testbed.run(['curl', '-sS', '--fail', '--max-time', '5', `http://${mesh.testbed.node(node).ip}:${metricsPort}/metrics`], {
      netns: mesh.testbed.node('node-1').netns,
    });
    return stdout;
  }

  /** TCP connections established to node-2's tunnel port, as its kernel has them: the truth the counts must tell. */
  async function establishedTunnelSockets(): Promise<number> {
    const { stdout } = await mesh.testbed.run(['ss', '-Htn', 'state', 'established', `( sport = :${tunnelPort} )`], { netns: mesh.testbed.node('node-2').netns });
    return stdout.split('\n').filter((line) => line.trim() !== '').length;
  }

  function sample(text: string, name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  async function runFlood() {
    if (flood) return flood;
    const c = await credentials();
    const echo2 = mesh.testbed.pod('echo-2').ip;
    const baseline: number[] = [];
    for (let i = 0; i < baselineConnects; i++) baseline.push((await connectOnce()).elapsedMs);
    const acceptedBefore = await accepted();

    const flooder = startFlooder(mesh.testbed.node('node-1').netns, [
      '--address', mesh.testbed.node('node-2').ip,
      '--port', String(tunnelPort),
      '--sni', tunnelServerName(echo2),
      '--authority', `${echo2}:${floodPort}`,
      '--ca', c.root, '--cert', c.cert, '--key', c.key,
      '--sessions', String(floodSessions),
      '--streams', String(floodStreamsPerSession),
      '--end', process.env.RR_END ?? 'close',
      '--duration-ms', String(floodMs),
      '--max-streams', String(floodMaxStreams),
      '--timeout-ms', '30000',
    ]);
    await flooder.flooding;
    const agentPattern = (node: string) => [mesh.testbed.pinRoot, `\0--node\0${node}\0`];
    const cpuBefore = { node1: cpuSeconds(agentPattern('node-1')), node2: cpuSeconds(agentPattern('node-2')) };
    const bystander: number[] = [];
    const failures: string[] = [];
    // The bystander connects from the flood's first session until the flooder has exited.
    for (let i = 0; i < maxFloodConnects && flooder.running(); i++) {
      try {
        bystander.push((await connectOnce()).elapsedMs);
      } catch (error) {
        failures.push(String((error as Error).message));
      }
    }
    const stdout = await flooder.done;
    const cpu = {
      node1: cpuSeconds(agentPattern('node-1')) - cpuBefore.node1,
      node2: cpuSeconds(agentPattern('node-2')) - cpuBefore.node2,
    };
    const result = JSON.parse(stdout);
    // The pod's count settles once node-2's dials (if any) land: poll until two reads agree, bounded.
    let acceptedAfter = await accepted();
    for (let i = 0; i < 20; i++) {
      await sleep(100);
      const again = await accepted();
      if (JSON.stringify(again) === JSON.stringify(acceptedAfter)) break;
      acceptedAfter = again;
    }
    flood = { result, bystander, failures, acceptedBefore, acceptedAfter, baseline, cpu };
    return flood;
  }

  test('the flood dials echo-2 for none of its reset streams, and the bystander keeps its p99 within 2x its baseline', async (t) => {
    const { result, bystander, failures, acceptedBefore, acceptedAfter, baseline, cpu } = await runFlood();
    const { sent } = result;
    const floodDials = (acceptedAfter[String(floodPort)] ?? 0) - (acceptedBefore[String(floodPort)] ?? 0);
    const bystanderDials = (acceptedAfter[String(farPort)] ?? 0) - (acceptedBefore[String(farPort)] ?? 0);
    const baseP99 = p99(baseline);
    const floodP99 = p99(bystander);
    t.diagnostic(
      `flooder: ${sent} streams sent on ${result.sessions} sessions in ${result.elapsedMs} ms, ${result.answered} answered; last GOAWAY code by session ${JSON.stringify(result.goaway)}, errors ${JSON.stringify(result.errors)}`,
    );
    t.diagnostic(`CPU used while the flooder ran: node-1's agent ${cpu.node1.toFixed(2)} s, node-2's agent ${cpu.node2.toFixed(2)} s`);
    t.diagnostic(`echo-2 accepted ${floodDials} connections on the flood's port ${floodPort}, ${bystanderDials} on the bystander's port ${farPort}`);
    t.diagnostic(
      `bystander: baseline p99 ${baseP99} ms (max ${Math.max(...baseline)}, n=${baseline.length}), during the flood p99 ${floodP99} ms (max ${Math.max(...bystander)}, n=${bystander.length}), ${failures.length} failures ${JSON.stringify(failures.slice(0, 5))}`,
    );
    assert.ok(sent >= floodSessions * 100, `the flooder sent ${sent} streams`);
    assert.equal(floodDials, 0, 'echo-2 was dialled for no stream of the flood');
    assert.equal(result.answered, 0, 'no flood stream was answered');
    assert.deepEqual(failures, [], 'no bystander connect failed');
    assert.equal(bystanderDials, bystander.length, "echo-2's connections on the service port are the bystander's own");
    const limit = 2 * Math.max(baseP99, baselineFloorMs);
    assert.ok(floodP99 <= limit, `the bystander's p99 during the flood is ${floodP99} ms, at most ${limit} ms (2x max(baseline ${baseP99} ms, floor ${baselineFloorMs} ms))`);
  });

  test("node-2 counts the resets on /metrics, ends the flooder's sessions with ENHANCE_YOUR_CALM and names it in a warning", async (t) => {
    const { result } = await runFlood();
    // Polled, bounded: a session sent away is counted when its socket has closed, a moment after its GOAWAY.
    let page = await metricsOf('node-2');
    const calmOf = (text: string) => sample(text, 'weft_tunnel_sessions_closed_total', { direction: 'inbound', reason: 'rapid_reset' });
    for (let i = 0; i < 50 && calmOf(page) < result.sessions - floodSessions; i++) {
      await sleep(100);
      page = await metricsOf('node-2');
    }
    const resets = sample(page, 'weft_tunnel_stream_resets_total');
    const calm = calmOf(page);
    t.diagnostic(`node-2: weft_tunnel_stream_resets_total ${resets}, weft_tunnel_sessions_closed_total{reason="rapid_reset"} ${calm}`);
    assert.ok(resets >= floodSessions * 50, `resets counted: ${resets}`);
    // Each slot's last session may be cut short by the flooder's own stream or time bound before the rule
    // has seen enough of it, and a GOAWAY can still be lost to the reset of a socket closed under a flood.
    assert.ok(calm >= result.sessions - floodSessions && calm <= result.sessions, `${calm} of the flooder's ${result.sessions} sessions were closed for their resets`);
    assert.ok((result.goaway['11'] ?? 0) >= result.sessions - 2 * floodSessions, `the flooder's sessions got GOAWAY ENHANCE_YOUR_CALM: ${JSON.stringify(result.goaway)}`);
    assert.deepEqual(Object.keys(result.goaway).filter((code) => code !== '11' && code !== 'none'), [], 'and no other GOAWAY code');
    const warning = await mesh.waitForAgentLog('node-2', (l) => l.msg === 'inbound tunnel session reset most of its streams: closed', 5000);
    assert.equal(warning.level, 40);
    assert.equal(warning.src?.principal, spiffeId(identityOf('client-1')));
    assert.match(String(warning.src?.addr), new RegExp(`^${mesh.testbed.node('node-1').ip.replaceAll('.', '\\.')}:\\d+$`));
  });

  test('right after the flooder is gone, node-2 counts the inbound sessions that are open, in weft status and on /metrics', async (t) => {
    await runFlood();
    // Polled, bounded: the close of the last flooder socket reaches node-2 a moment after the flooder exits.
    const since = performance.now();
    const readings: Record<string, number>[] = [];
    const deadline = Date.now() + 5000;
    let seen: { status: number; gauge: number; sockets: number; pool: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const status = ((await statusOf('node-2')).inboundSessions ?? []).length as number;
      const gauge = sample(await metricsOf('node-2'), 'weft_tunnel_sessions', { direction: 'inbound' });
      const sockets = await establishedTunnelSockets();
      const pool = (((await statusOf('node-1')).tunnels ?? []) as { sessions: unknown[] }[]).reduce((sum, entry) => sum + entry.sessions.length, 0);
      seen = { status, gauge, sockets, pool };
      readings.push({ ...seen, atMs: Math.round(performance.now() - since) });
      if (status === sockets && gauge === sockets && sockets === pool) break;
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    t.diagnostic(`${Math.round(performance.now() - since)} ms after the flooder's sessions were counted closed (test 2), node-2 inbound sessions: weft status ${seen!.status}, gauge ${seen!.gauge}, established sockets on ${tunnelPort} ${seen!.sockets}; node-1 pooled sessions ${seen!.pool}; readings ${JSON.stringify(readings)}`);
    assert.equal(seen!.sockets, seen!.pool, "node-2's open tunnel connections are node-1's pooled sessions (the flooder's are gone)");
    assert.equal(seen!.status, seen!.sockets, 'weft status counts the sessions that are open');
    assert.equal(seen!.gauge, seen!.sockets, 'weft_tunnel_sessions{direction="inbound"} counts the sessions that are open');
    // And the bystander still gets through.
    assert.equal((await connectOnce()).hello.pod, 'echo-2');
  });
});
