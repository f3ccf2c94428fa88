/**
 * mTLS between nodes end to end: real agents on a real control plane (its
 * CA and node tokens in the run's state dir), real pods, and the fabric
 * between the nodes watched with tcpdump. What an operator of a mesh would
 * check before trusting it: app bytes never cross the wire in clear, the
 * destination knows who called, the tunnel port lets nobody in without a
 * certificate of this mesh, a node cannot get another node's identities,
 * STRICT keeps working, and certificates rotate under traffic unnoticed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { CaClient } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { CaRequestError } from '../../agent/identity/identity-errors.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { TestCa } from '../../agent/identity/testing/test-ca.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import { tunnelServerName } from '../../agent/proxy/hbone.js';
import type { PoolEntryStatus } from '../../agent/proxy/pool.js';
import { CertificateAuthority } from '../../control-plane/ca/certificate-authority.js';
import { workloadCsrKey } from '../../control-plane/ca/workload-csr.js';
import { inNetns } from '../../testbed/exec.js';
import { meshCredentials } from './mesh-credentials.js';
import { TestbedMesh, installRoot, type MeshPod, type MeshService } from '../../testbed/mesh.js';

const farVip = '10.96.0.50';
const farPort = 7000;
const tunnelPort = 15008;
/** A port no test traffic uses across the fabric except the capture's plaintext control. */
const controlPort = 7100;
const weftCli = join(installRoot, 'bin', 'weft.js');
const probeScript = fileURLToPath(new URL('./hbone-probe.js', import.meta.url));
const identityOf = (serviceAccount: string): WorkloadIdentity => ({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount });
const client1Id = spiffeId(identityOf('client-1'));
const echo2Id = spiffeId(identityOf('echo-2'));
const farService: MeshService = { name: 'far', clusterIP: farVip, port: farPort, selector: { app: 'far' } };
const silentLog = pino({ level: 'silent' });

/** Runs argv in a namespace (or here) with stdin held open for `stdinMs`, killed after `timeoutMs`:
 * s_client reads what the server says after the handshake only while its stdin is open. */
async function runHeld(argv: string[], netns: string | undefined, stdinMs: number, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const full = inNetns(netns, argv);
  const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  child.stdin.on('error', () => {});
  const hangUp = setTimeout(() => child.stdin.end(), stdinMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(hangUp);
  clearTimeout(kill);
  return { code, out };
}

/** tcpdump on the fabric bridge, writing every frame to `file` as it comes (-U). */
async function startCapture(netns: string, file: string) {
  // -Z root: Debian's tcpdump otherwise drops to its own user before it opens the file in a root-only run dir.
  // --immediate-mode: without it frames wait in the kernel ring for a block to fill, and SIGINT loses them.
  const full = inNetns(netns, ['tcpdump', '-i', 'br0', '-n', '-U', '--immediate-mode', '-Z', 'root', '-w', file]);
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  for (let i = 0; i < 100 && !stderr.includes('listening on') && child.exitCode === null; i++) await sleep(50);
  if (!stderr.includes('listening on')) {
    child.kill('SIGKILL');
    throw new Error(`tcpdump did not start: ${stderr}`);
  }
  return {
    /** SIGINT: tcpdump flushes the file and prints its counts. */
    async stop(): Promise<string> {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
      return stderr;
    },
  };
}

/** The packets of a capture file that match a filter, one tcpdump line each. */
async function packets(mesh: TestbedMesh, file: string, filter: string[]): Promise<string[]> {
  const { stdout } = await mesh.testbed.run(['tcpdump', '-r', file, '-nn', ...filter]);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

/** `weft status --json` as an operator runs it, inside the node's network namespace. */
async function agentStatus(mesh: TestbedMesh, node: string): Promise<Record<string, any>> {
  const { stdout } = await mesh.testbed.run([process.execPath, weftCli, 'status', '--json'], { netns: mesh.testbed.node(node).netns });
  return JSON.parse(stdout) as Record<string, any>;
}

/** Polls until a connect from `pod` gets its answer; how long that took (Infinity if never within `limitMs`). */
async function reachableWithin(mesh: TestbedMesh, pod: string, host: string, port: number, limitMs: number): Promise<number> {
  const since = performance.now();
  for (let attempt = 0; attempt < 200 && performance.now() - since < limitMs; attempt++) {
    try {
      await mesh.worker(pod).request('connect', { host, port, bytes: 8, expect: 'hello-echo', timeoutMs: 1000 });
      return performance.now() - since;
    } catch {
      await sleep(100);
    }
  }
  return Infinity;
}

/** Polls `read` until `done` says so or `timeoutMs` passes; the last value either way. */
async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  for (let i = 0; i < 1000 && !done(value) && Date.now() < deadline; i++) {
    await sleep(100);
    value = read();
  }
  return value;
}

function controlPlaneLines(mesh: TestbedMesh, predicate: (line: Record<string, any>) => boolean): Record<string, any>[] {
  return mesh.testbed.readLogLines(mesh.controlPlane!.logFile).filter(predicate);
}

function agentLines(mesh: TestbedMesh, node: string, predicate: (line: Record<string, any>) => boolean): Record<string, any>[] {
  return mesh.testbed.readLogLines(mesh.agents.get(node)!.logFile).filter(predicate);
}

/** The agent's CA client, as node `node` (its token) on the control plane's socket. */
function caClient(mesh: TestbedMesh, tokenNode: string, claimedNode = tokenNode): CaClient {
  const channel = new ControlPlaneChannel({ address: `unix:${mesh.controlPlane!.socket}`, tokenFile: mesh.tokenFile(tokenNode) });
  return new CaClient({ channel, node: claimedNode, timeoutMs: 5000 });
}

describe('mTLS between nodes: the wire, the peer identity, the tunnel port, the CA, STRICT', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  const pods: MeshPod[] = [
    { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
    { name: 'echo-1', node: 'node-1', labels: { app: 'echo' } },
    { name: 'echo-2', node: 'node-2', labels: { app: 'far' } },
    { name: 'outsider-2', node: 'node-2', workload: false },
  ];
  /** PEM files for the probes: the mesh root, and client certificates of every kind. */
  const creds: Record<string, string> = {};

  before(async () => {
    mesh = await TestbedMesh.create({ nodes: ['node-1', 'node-2'], pods, services: [farService] });
    await mesh.worker('echo-1').request('listen', { port: farPort, mode: 'hello-echo' });
    await mesh.worker('echo-1').request('listen', { port: controlPort, mode: 'hello-echo' });
    await mesh.worker('echo-2').request('listen', { port: farPort, mode: 'hello-echo' });
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    // The first cross-node connection waits for client-1's certificate; later ones must not.
    const warm = await reachableWithin(mesh, 'client-1', farVip, farPort, 15_000);
    assert.ok(warm < Infinity, 'client-1 reaches far within 15 s of the agents starting');
  });

  after(async () => {
    await mesh?.destroy();
  });

  /** Client credentials for the probes, made once: the real CA's, and the ones it must refuse. */
  async function probeCredentials(): Promise<Record<string, string>> {
    if (creds.root) return creds;
    // Valid: asked of the running control plane as node-1's agent asks, for a workload of node-1.
    const { file, material, root, cert, key } = await meshCredentials(mesh, 'probe-credentials', 'node-1', identityOf('client-1'));
    creds.root = root;
    creds.validCert = cert;
    creds.validKey = key;

    // Signed by the mesh CA, but for another trust domain.
    const foreignDomain = await CertificateAuthority.open(material, { trustDomain: 'elsewhere.example', workloadTtlMs: 3_600_000, log: silentLog });
    const foreignKey = await newWorkloadKey('spiffe://elsewhere.example/ns/default/sa/client-1');
    const foreign = await foreignDomain.signWorkload(await workloadCsrKey(foreignKey.csrPem), { namespace: 'default', serviceAccount: 'client-1' });
    creds.foreignDomainCert = file('foreign-domain-cert.pem', foreign.certChainPem.join(''));
    creds.foreignDomainKey = file('foreign-domain-key.pem', foreignKey.keyPem);

    // Signed by the mesh CA for the right identity, expired 30 s ago (the CA backdates notBefore by a minute).
    const expiring = await CertificateAuthority.open(material, { trustDomain: 'cluster.local', workloadTtlMs: -30_000, log: silentLog });
    const expiredKey = await newWorkloadKey(client1Id);
    const expired = await expiring.signWorkload(await workloadCsrKey(expiredKey.csrPem), { namespace: 'default', serviceAccount: 'client-1' });
    assert.ok(expired.notAfter.getTime() < Date.now(), 'the expired certificate is expired');
    creds.expiredCert = file('expired-cert.pem', expired.certChainPem.join(''));
    creds.expiredKey = file('expired-key.pem', expiredKey.keyPem);

    // The right identity and trust domain, from a CA that is not the mesh's.
    const otherCa = await TestCa.create({ name: 'not the mesh CA' });
    const other = await otherCa.issue(identityOf('client-1'));
    creds.otherCaCert = file('other-ca-cert.pem', other.certChainPem);
    creds.otherCaKey = file('other-ca-key.pem', other.keyPem);
    return creds;
  }

  async function probe(cert?: { cert: string; key: string }): Promise<{ handshake: boolean; status: number | null; peer: string[] | null; hello: any; error: string | null }> {
    const { root } = await probeCredentials();
    const echo2 = mesh.testbed.pod('echo-2').ip;
    const { stdout } = await mesh.testbed.run(
      [
        process.execPath, probeScript,
        '--address', mesh.testbed.node('node-2').ip,
        '--port', String(tunnelPort),
        '--sni', tunnelServerName(echo2),
        '--authority', `${echo2}:${farPort}`,
        '--ca', root!,
        '--expect', echo2Id,
        ...(cert ? ['--cert', cert.cert, '--key', cert.key] : []),
      ],
      { netns: mesh.testbed.node('node-1').netns, timeoutMs: 15_000 },
    );
    return JSON.parse(stdout);
  }

  function accepted(pod: string): number {
    return mesh.worker(pod).events.filter((e) => e.event === 'accepted').length;
  }

  test('on the fabric, cross-node traffic is only mTLS on 15008: the payload never shows, nothing goes to the backend port', async (t) => {
    const marker = `weft-plaintext-marker-${randomBytes(12).toString('hex')}`;
    const controlMarker = `weft-control-marker-${randomBytes(12).toString('hex')}`;
    const pcap = join(mesh.testbed.runDir, 'fabric.pcap');
    const capture = await startCapture(mesh.testbed.fabricNetns, pcap);
    const requests = 20;
    let tcpdumpSummary = '';
    try {
      for (let i = 0; i < requests; i++) {
        const payload = `${marker} request ${i} `.repeat(8);
        const result = await mesh.worker('client-1').request('connect', { host: farVip, port: farPort, bytes: 0, payload, expect: 'hello-echo', timeoutMs: 5000 });
        assert.equal(result.hello.pod, 'echo-2');
        assert.equal(result.receivedSha256, result.sentSha256, 'echoed intact');
        assert.equal(result.hello.remoteAddress, mesh.testbed.node('node-2').ip, "echo-2 is dialled by its own node's proxy, not by node-1");
      }
      // Control: the same capture does show a payload that crosses the fabric in clear (an unmeshed pod, direct).
      const control = await mesh.worker('outsider-2').request('connect', {
        host: mesh.testbed.pod('echo-1').ip, port: controlPort, bytes: 0, payload: controlMarker, expect: 'hello-echo', timeoutMs: 5000,
      });
      assert.equal(control.hello.pod, 'echo-1');
    } finally {
      tcpdumpSummary = await capture.stop();
    }
    const bytes = readFileSync(pcap);
    assert.ok(bytes.includes(controlMarker), 'the capture sees plaintext that is there (control)');
    assert.equal(bytes.indexOf(marker), -1, 'the marker sent through the mesh never crossed the fabric in clear');
    const tunnel = await packets(mesh, pcap, ['tcp', 'port', String(tunnelPort)]);
    const backend = await packets(mesh, pcap, ['tcp', 'port', String(farPort)]);
    const all = await packets(mesh, pcap, []);
    t.diagnostic(`capture: ${all.length} frames on br0, ${tunnel.length} on port ${tunnelPort}, ${backend.length} on port ${farPort}, ${bytes.length} bytes; tcpdump: ${tcpdumpSummary.trim().split('\n').slice(-3).join('; ')}`);
    assert.ok(tunnel.length > 0, 'tunnel packets to port 15008 crossed the fabric');
    assert.ok(tunnel.some((line) => line.includes(`${mesh.testbed.node('node-2').ip}.${tunnelPort}`)), 'to node-2 port 15008');
    assert.deepEqual(backend, [], `no packet to or from port ${farPort} crossed the fabric`);
  });

  test("the destination proxy knows the caller's SPIFFE ID", async () => {
    const line = await mesh.waitForAgentLog('node-2', (l) => l.msg === 'inbound connection complete' && l.src?.principal === client1Id, 5000);
    // Proven by the certificate, not claimed: the address is node-1's proxy, which speaks for client-1.
    assert.match(line.src.addr, new RegExp(`^${mesh.testbed.node('node-1').ip.replaceAll('.', '\\.')}:\\d+$`));
    assert.equal(line.dst.workload, 'default/echo-2');
    assert.equal(line.dst.principal, echo2Id);
    assert.equal(line.dst.addr, `${mesh.testbed.pod('echo-2').ip}:${farPort}`);
  });

  test('the tunnel port: a certificate of this mesh gets a CONNECT through; another trust domain, an expired one, another CA or none get nothing', async (t) => {
    const c = await probeCredentials();
    const before = accepted('echo-2');
    const valid = await probe({ cert: c.validCert!, key: c.validKey! });
    assert.equal(valid.status, 200, `valid certificate: ${JSON.stringify(valid)}`);
    assert.deepEqual(valid.peer, [echo2Id], "the server proved echo-2's identity");
    assert.equal(valid.hello?.pod, 'echo-2', 'the CONNECT reached echo-2 itself');
    assert.equal(accepted('echo-2'), before + 1);

    const refused: Record<string, { cert: string; key: string } | undefined> = {
      'another trust domain (signed by the mesh CA)': { cert: c.foreignDomainCert!, key: c.foreignDomainKey! },
      'expired (signed by the mesh CA)': { cert: c.expiredCert!, key: c.expiredKey! },
      'another CA': { cert: c.otherCaCert!, key: c.otherCaKey! },
      'no certificate': undefined,
    };
    for (const [what, cert] of Object.entries(refused)) {
      const refusalsBefore = agentLines(mesh, 'node-2', (l) => l.msg === 'inbound tunnel refused').length;
      const acceptedBefore = accepted('echo-2');
      const result = await probe(cert);
      t.diagnostic(`${what}: ${JSON.stringify(result)}`);
      assert.notEqual(result.status, 200, `${what}: ${JSON.stringify(result)}`);
      assert.equal(result.status, null, `${what}: refused before any stream is served`);
      assert.equal(accepted('echo-2'), acceptedBefore, `${what}: echo-2 saw no connection`);
      const refusals = await eventually(() => agentLines(mesh, 'node-2', (l) => l.msg === 'inbound tunnel refused').slice(refusalsBefore), (lines) => lines.length > 0, 5000);
      assert.ok(refusals.length > 0, `${what}: node-2 logged the refusal`);
      t.diagnostic(`${what}: node-2 says ${refusals.map((l) => `${l.reason}: ${l.detail}`).join(' | ')}`);
    }
  });

  test("every refusal on node-2's tunnel port names the caller's address", async () => {
    // After the probes above: an operator reading the log must be able to tell who was turned away.
    const refusals = agentLines(mesh, 'node-2', (l) => l.msg === 'inbound tunnel refused');
    assert.ok(refusals.length >= 4, `${refusals.length} refusals logged`);
    const node1 = mesh.testbed.node('node-1').ip;
    assert.deepEqual(
      refusals.filter((l) => !String(l.src?.addr).startsWith(`${node1}:`)).map((l) => `${l.reason} (${l.detail}): src.addr ${l.src?.addr}`),
      [],
    );
  });

  test('openssl s_client from node-1: the handshake completes and shows the chain with a workload certificate; without one it fails', async () => {
    const c = await probeCredentials();
    const sni = tunnelServerName(mesh.testbed.pod('echo-2').ip);
    const common = ['s_client', '-connect', `${mesh.testbed.node('node-2').ip}:${tunnelPort}`, '-servername', sni, '-alpn', 'h2', '-CAfile', c.root!, '-verify_return_error', '-showcerts'];
    const netns = mesh.testbed.node('node-1').netns;

    const good = await runHeld(['openssl', ...common, '-cert', c.validCert!, '-key', c.validKey!], netns, 500, 10_000);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /Certificate chain/);
    assert.match(good.out, /ALPN protocol: h2/);
    assert.match(good.out, /TLSv1\.3/);
    assert.match(good.out, /Verify return code: 0 \(ok\)/);
    // The workload certificate has an empty subject (the SPIFFE ID is its SAN), issued by the mesh root.
    assert.match(good.out, /Certificate chain\n 0 s:.*\n\s+i:CN = weft root CA/);
    assert.match(good.out, /-----BEGIN CERTIFICATE-----/);

    const bare = await runHeld(['openssl', ...common], netns, 500, 10_000);
    assert.notEqual(bare.code, 0, bare.out);
    // Node 24's server may close before OpenSSL's certificate_required alert reaches s_client.
    assert.match(bare.out, /alert certificate required|unexpected eof while reading/);
  });

  test("an agent asking for a workload certificate of another node's pod is refused, and the CA logs who asked for what", async () => {
    const key = await newWorkloadKey(echo2Id);
    const asNode1 = caClient(mesh, 'node-1');
    try {
      const error = await asNode1.createCertificate(key.csrPem, identityOf('echo-2')).then(
        () => assert.fail("node-1 obtained echo-2's certificate"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof CaRequestError, String(error));
      assert.equal(error.grpcCode, grpc.status.PERMISSION_DENIED, error.message);
    } finally {
      asNode1.close();
    }
    const line = await mesh.testbed.waitForLog(
      mesh.controlPlane!.logFile,
      (l) => typeof l.msg === 'string' && l.msg.startsWith('certificate refused') && l.node === 'node-1' && l.requested === echo2Id,
      5000,
    );
    assert.equal(line.level, 40, 'a warning');
    assert.deepEqual(line.runsOn, ['node-2']);
    assert.match(line.msg, /node-1/);
    assert.match(line.msg, new RegExp(echo2Id.replaceAll('.', '\\.')));

    // Naming the other node does not help: the token says which node is asking.
    const claimingNode2 = caClient(mesh, 'node-1', 'node-2');
    try {
      const error = await claimingNode2.createCertificate(key.csrPem, identityOf('echo-2')).then(
        () => assert.fail("node-1's token obtained echo-2's certificate by claiming node-2"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof CaRequestError, String(error));
      assert.equal(error.grpcCode, grpc.status.PERMISSION_DENIED, error.message);
    } finally {
      claimingNode2.close();
    }
    assert.equal(
      controlPlaneLines(mesh, (l) => l.msg === 'certificate issued' && l.identity === echo2Id && l.node !== 'node-2').length,
      0,
      'echo-2 certificates went to node-2 only',
    );
  });

  test('STRICT on echo-2: client-1 still reaches it through the tunnel; the unmeshed pod next to it is dropped', async () => {
    const file = join(mesh.configDir, 'peer-authentication.yaml');
    writeFileSync(
      `${file}.tmp`,
      stringify({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'PeerAuthentication',
        metadata: { name: 'far-strict', namespace: 'default' },
        spec: { selector: { matchLabels: { app: 'far' } }, mtls: { mode: 'STRICT' } },
      }),
    );
    renameSync(`${file}.tmp`, file); // the control plane's watcher never reads half a file
    const echo2 = mesh.testbed.pod('echo-2').ip;

    // In force once a direct connection is dropped (a dropped SYN times out); bounded.
    let inForce = false;
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 30 && !inForce && Date.now() < deadline; i++) {
      inForce = await mesh.worker('outsider-2').request('connect', { host: echo2, port: farPort, bytes: 8, expect: 'hello-echo', timeoutMs: 1500 }).then(
        () => false,
        (e: { code: string }) => e.code === 'ETIMEDOUT',
      );
      if (!inForce) await sleep(200);
    }
    assert.ok(inForce, 'STRICT took effect on echo-2 within 15 s');

    const inboundBefore = agentLines(mesh, 'node-2', (l) => l.msg === 'inbound connection complete' && l.src?.principal === client1Id).length;
    const batch = await mesh.worker('client-1').request('connectMany', { host: farVip, port: farPort, count: 20, concurrency: 5, timeoutMs: 3000 });
    assert.deepEqual({ ok: batch.ok, failures: batch.failures, byPod: batch.byPod }, { ok: 20, failures: 0, byPod: { 'echo-2': 20 } });
    assert.deepEqual(batch.byRemote, { [mesh.testbed.node('node-2').ip]: 20 }, "through node-2's proxy");
    const inbound = await eventually(
      () => agentLines(mesh, 'node-2', (l) => l.msg === 'inbound connection complete' && l.src?.principal === client1Id).length,
      (count) => count >= inboundBefore + 20,
      5000,
    );
    assert.ok(inbound >= inboundBefore + 20, 'all 20 arrived through the tunnel as client-1');

    const acceptedBefore = accepted('echo-2');
    const error = await mesh.worker('outsider-2').request('connect', { host: echo2, port: farPort, bytes: 8, expect: 'hello-echo', timeoutMs: 1500 }).then(
      () => assert.fail('the unmeshed pod reached echo-2 in plaintext'),
      (e: { code: string }) => e,
    );
    assert.equal(error.code, 'ETIMEDOUT', 'dropped, not answered');
    assert.equal(accepted('echo-2'), acceptedBefore, 'echo-2 never saw it');
  });
});

describe('certificate rotation under steady cross-node traffic', { timeout: 480_000 }, () => {
  let mesh: TestbedMesh;
  const runMs = 300_000;

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods: [
        { name: 'client-1', node: 'node-1', labels: { app: 'client' } },
        { name: 'echo-2', node: 'node-2', labels: { app: 'far' } },
      ],
      services: [farService],
    });
    await mesh.worker('echo-2').request('listen', { port: farPort, mode: 'hello-echo' });
    await mesh.startControlPlane({ args: ['--cert-ttl', '2m'] });
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    assert.ok((await reachableWithin(mesh, 'client-1', farVip, farPort, 15_000)) < Infinity, 'client-1 reaches far');
  });

  after(async () => {
    await mesh?.destroy();
  });

  test('5 minutes of traffic with 2-minute certificates: no failed request, a held connection outlives its certificate, tunnels move to new certificates', async (t) => {
    const started = performance.now();
    // One connection held across several rotations, longer than the certificate its tunnel was made with lives.
    const held = mesh.worker('client-1').request('hold', { host: farVip, port: farPort, durationMs: 240_000, intervalMs: 1000, roundTimeoutMs: 3000, expect: 'hello-echo' });
    let ok = 0;
    let batches = 0;
    const failures: string[] = [];
    const sessionsSeen = new Map<number, { certificateNotAfter: string; lastState: string }>();
    for (let i = 0; i < 400 && performance.now() - started < runMs; i++) {
      const tick = performance.now();
      const batch = await mesh.worker('client-1').request('connectMany', { host: farVip, port: farPort, count: 5, concurrency: 5, timeoutMs: 3000 });
      batches++;
      ok += batch.ok;
      if (batch.failures > 0) failures.push(`${Math.round((tick - started) / 1000)} s: ${JSON.stringify(batch.errors)}`);
      if (i % 10 === 0) {
        // The tunnel pool as `weft status` shows it: sessions by id, each with the client certificate it was made with.
        const pool = ((await agentStatus(mesh, 'node-1')).tunnels ?? []) as PoolEntryStatus[];
        for (const entry of pool.filter((e) => e.source === client1Id && e.destination === echo2Id)) {
          for (const session of entry.sessions) sessionsSeen.set(session.id, { certificateNotAfter: session.certificateNotAfter, lastState: session.state });
        }
      }
      await sleep(Math.max(0, 1000 - (performance.now() - tick)));
    }
    const hold = await held;
    const elapsedS = Math.round((performance.now() - started) / 1000);

    const issued = controlPlaneLines(mesh, (l) => l.msg === 'certificate issued' && l.identity === client1Id);
    const issuedSerials = new Set(issued.map((l) => String(l.serial).toLowerCase()));
    const inboundSerials = new Set(
      agentLines(mesh, 'node-2', (l) => l.msg === 'inbound connection complete' && l.src?.principal === client1Id).map((l) => String(l.src.certificateSerial).toLowerCase()),
    );
    t.diagnostic(
      `${elapsedS} s: ${batches} batches, ${ok} connections ok, ${failures.length} batches with failures; held connection ${hold.rounds} rounds; ` +
        `${issued.length} certificates issued for client-1 (${issued.map((l) => l.notAfter).join(', ')}); ${inboundSerials.size} client-1 certificates seen by node-2; ` +
        `tunnel sessions seen in weft status: ${JSON.stringify([...sessionsSeen.entries()])}`,
    );
    assert.deepEqual(failures, [], 'no request failed while certificates rotated');
    assert.ok(batches >= 250, `steady traffic throughout (${batches} batches)`);
    assert.equal(ok, batches * 5);
    assert.ok(hold.rounds >= 230, `the held connection kept echoing for 4 minutes (${hold.rounds} rounds)`);
    assert.ok(issued.length >= 3, `the CA issued ${issued.length} certificates for client-1`);
    assert.ok(inboundSerials.size >= 3, `node-2 saw client-1 present ${inboundSerials.size} different certificates`);
    for (const serial of inboundSerials) assert.ok(issuedSerials.has(serial), `certificate ${serial} that node-2 saw was issued by the mesh CA for client-1`);
    assert.ok(sessionsSeen.size >= 3, `pooled tunnel sessions were replaced as certificates rotated (${sessionsSeen.size} seen)`);
    assert.ok(new Set([...sessionsSeen.values()].map((s) => s.certificateNotAfter)).size >= 3, 'each with a newer certificate');
  });
});
