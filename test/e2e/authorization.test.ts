/**
 * AuthorizationPolicy enforced where the destination is, on real kernel
 * objects: through the mTLS tunnel (node-1 -> node-2, the caller's SPIFFE
 * id from its certificate), on one node (the caller's identity from its
 * cgroup), and for plaintext callers from outside the mesh straight to a
 * pod IP (captured by the sk_lookup program into the proxy's socket in the
 * pod's namespace). Real curl, real echo servers; one testbed for the file,
 * the policies swapped per case by rewriting the config dir's policies.yaml.
 */
import assert from 'node:assert/strict';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { PinnedMap } from '../../native/index.js';
import { IngressMode, decodeIngressPolicy, encodeIngressKey } from '../../agent/datapath/map-codec.js';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { installRoot } from '../../core/paths.js';
import { curlInPod, type CurlRequest, type CurlResponse } from '../../testbed/echo/curl.js';
import { grpcEchoInPod } from '../../testbed/echo/grpc-echo.js';
import { startEcho, type EchoApp } from '../../testbed/echo/echo-app.js';
import { workloadDocument, yamlStream } from '../../testbed/mesh-manifests.js';
import { TestbedMesh } from '../../testbed/mesh.js';
import type { Testbed } from '../../testbed/testbed.js';

const applyTimeoutMs = 15_000;
const reviewsVip = '10.96.0.20';
const rawVip = '10.96.0.30';

interface Pod {
  name: string;
  namespace: string;
  node: string;
  labels: Record<string, string>;
  serviceAccount: string;
  echo?: boolean;
  /** false: no Workload at all (outside the mesh) */
  meshed?: boolean;
}

const pods: Pod[] = [
  { name: 'frontend', namespace: 'shop', node: 'node-1', labels: { app: 'frontend' }, serviceAccount: 'frontend' },
  { name: 'other', namespace: 'shop', node: 'node-1', labels: { app: 'other' }, serviceAccount: 'other' },
  { name: 'foreign', namespace: 'elsewhere', node: 'node-1', labels: { app: 'foreign' }, serviceAccount: 'frontend' },
  { name: 'outsider', namespace: 'shop', node: 'node-1', labels: {}, serviceAccount: 'none', meshed: false },
  // Meshed, and no process ever runs in it: the capture has no namespace to find it by.
  { name: 'idle', namespace: 'shop', node: 'node-1', labels: { app: 'idle' }, serviceAccount: 'idle' },
  { name: 'reviews-1', namespace: 'shop', node: 'node-1', labels: { app: 'reviews' }, serviceAccount: 'reviews', echo: true },
  { name: 'reviews-2', namespace: 'shop', node: 'node-2', labels: { app: 'reviews' }, serviceAccount: 'reviews', echo: true },
  { name: 'raw-1', namespace: 'shop', node: 'node-1', labels: { app: 'raw' }, serviceAccount: 'raw', echo: true },
  { name: 'raw-2', namespace: 'shop', node: 'node-2', labels: { app: 'raw' }, serviceAccount: 'raw', echo: true },
];

function manifests(testbed: Testbed): string {
  const documents: unknown[] = ['shop', 'elsewhere'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  documents.push(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: {
        clusterIP: reviewsVip,
        selector: { app: 'reviews' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, appProtocol: 'http' },
          { name: 'grpc', port: 7070, targetPort: 7070, appProtocol: 'grpc' },
        ],
      },
    },
    {
      // The same echo, on a port declared TCP: the L4 path, bytes never parsed.
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'raw', namespace: 'shop' },
      spec: {
        clusterIP: rawVip,
        selector: { app: 'raw' },
        ports: [
          { name: 'tcp', port: 80, targetPort: 8080, appProtocol: 'tcp' },
          { name: 'tcp-echo', port: 90, targetPort: 9090, appProtocol: 'tcp' },
        ],
      },
    },
  );
  for (const pod of pods) {
    if (pod.meshed === false) continue;
    const handle = testbed.pod(pod.name);
    documents.push(workloadDocument({ name: pod.name, namespace: pod.namespace, labels: pod.labels, node: pod.node, ip: handle.ip, serviceAccount: pod.serviceAccount, cgroup: handle.cgroupPath }));
  }
  return yamlStream(documents);
}

const principal = (namespace: string, serviceAccount: string) => `cluster.local/ns/${namespace}/sa/${serviceAccount}`;

/** Only the frontend may call reviews, and only to read (the demo's reviews-readers). */
const readers = {
  name: 'reviews-readers',
  spec: {
    selector: { matchLabels: { app: 'reviews' } },
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: [principal('shop', 'frontend')] } }], to: [{ operation: { methods: ['GET', 'HEAD'] } }] }],
  },
};
/** An L4 policy: only the frontend's identity reaches raw. */
const rawFrontendOnly = {
  name: 'raw-frontend-only',
  spec: { selector: { matchLabels: { app: 'raw' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [principal('shop', 'frontend')] } }] }] },
};
const denyAdmin = {
  name: 'deny-admin',
  spec: { selector: { matchLabels: { app: 'reviews' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }] },
};

describe('authorization at the destination: tunnel, same node and plaintext callers', { timeout: 300_000 }, () => {
  let mesh: TestbedMesh;
  const echoes = new Map<string, EchoApp>();
  let policiesText = '';

  before(async () => {
    mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods: pods.map((pod) => ({ name: pod.name, node: pod.node })),
      workers: false,
      manifests: (testbed) => ({ 'mesh.yaml': manifests(testbed), 'policies.yaml': '' }),
    });
    for (const pod of pods) if (pod.echo) echoes.set(pod.name, await startEcho(mesh.testbed, pod.name, { namespace: pod.namespace, logRequests: true }));
    await mesh.startControlPlane();
    await mesh.startAgent('node-1');
    await mesh.startAgent('node-2');
    await mesh.waitForNodeAddresses();
    // Every echo pod's inbound capture is in place before the first plaintext caller (a pod without a process has no namespace to find yet).
    for (const pod of pods.filter((p) => p.echo)) {
      await mesh.waitForAgentLog(pod.node, (line) => line.msg === 'inbound capture set' && line.workload === `${pod.namespace}/${pod.name}`, 10_000);
    }
  });

  after(async () => {
    for (const echo of echoes.values()) await echo.stop().catch(() => undefined);
    await mesh?.destroy();
  });

  /** Makes policies.yaml exactly these policies (namespace shop) and waits until both agents run them. */
  async function applyPolicies(...policies: Array<{ name: string; namespace?: string; spec: unknown }>): Promise<void> {
    const text = yamlStream(
      policies.map((policy) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: policy.name, namespace: policy.namespace ?? 'shop' }, spec: policy.spec })),
    );
    if (text === policiesText) return;
    const { testbed, controlPlane } = mesh;
    const served = testbed.readLogLines(controlPlane!.logFile).filter((l) => l.msg === 'config served').map((l) => Number(l.version));
    const before = Math.max(0, ...served);
    const staged = join(testbed.runDir, 'policies.yaml.staged');
    writeFileSync(staged, text);
    renameSync(staged, join(mesh.configDir, 'policies.yaml'));
    const line = await testbed.waitForLog(controlPlane!.logFile, (l) => l.msg === 'config served' && Number(l.version) > before, applyTimeoutMs);
    for (const node of mesh.agents.keys()) {
      await mesh.waitForAgentLog(node, (l) => l.msg === 'config applied' && Number(l.version) >= Number(line.version), applyTimeoutMs);
    }
    policiesText = text;
  }

  function curl(from: string, requests: CurlRequest[], options: { http2?: boolean } = {}): Promise<CurlResponse[]> {
    return curlInPod(mesh.testbed, from, requests, { resolve: { reviews: reviewsVip, raw: rawVip }, requestTimeoutMs: 10_000, ...options });
  }

  const ip = (pod: string) => mesh.testbed.pod(pod).ip;

  /** The sum of a metric's samples whose labels include these. */
  function sampled(text: string, metric: string, labels: Record<string, string>): number {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${metric}{`)) continue;
      if (Object.entries(labels).every(([name, value]) => line.includes(`${name}="${value}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  async function metricsText(node: string): Promise<string> {
    const { ip: nodeIp, netns } = mesh.testbed.node(node);
    const { stdout } = await mesh.testbed.run(['curl', '-sS', '--max-time', '5', `http://${nodeIp}:15020/metrics`], { netns, timeoutMs: 10_000 });
    return stdout;
  }

  /**
   * `weft authz check` on the config dir the mesh runs: it must say what the data plane did, for every
   * endpoint it names. `expected` is the data plane's verdict observed just before.
   */
  function assertCheckAgrees(args: string[], expected: 'allow' | 'deny', what: string): void {
    const run = spawnSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'authz', 'check', '--config-dir', mesh.configDir, ...args, '-o', 'json'], { encoding: 'utf8' });
    assert.ok(run.status === 0 || run.status === 1, `weft authz check ${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
    const results = JSON.parse(run.stdout) as Array<{ allowed: boolean; destination: { workload: string } }>;
    assert.ok(results.length > 0, `${what}: weft authz check named no destination`);
    for (const result of results) assert.equal(result.allowed, expected === 'allow', `${what}: weft authz check says ${result.allowed ? 'allow' : 'deny'} for ${result.destination.workload}`);
  }

  test('allowed principal and method pass, on one node and through the tunnel, every request balanced', async () => {
    await applyPolicies(readers);
    const answers = await curl('frontend', Array.from({ length: 20 }, () => ({ url: 'http://reviews/read' })));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    assert.deepEqual([...new Set(answers.map((a) => a.echo?.pod))].sort(), ['reviews-1', 'reviews-2'], 'both endpoints, the one across nodes through the tunnel');
    const [h2] = await curl('frontend', [{ url: 'http://reviews/read' }], { http2: true });
    assert.equal(h2!.status, 200);
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--method', 'GET', '--path', '/read'], 'allow', 'frontend GET');
  });

  test('a method the policy does not allow is answered 403 RBAC: access denied, by both endpoints', async () => {
    await applyPolicies(readers);
    const answers = await curl('frontend', Array.from({ length: 10 }, () => ({ url: 'http://reviews/write', method: 'POST', body: 'x' })));
    for (const answer of answers) {
      assert.equal(answer.status, 403, `POST answered by ${answer.echo?.pod ?? 'the proxy'}`);
      assert.equal(answer.body, 'RBAC: access denied');
    }
    assert.equal(echoes.get('reviews-1')!.requests().filter((r) => r.path === '/write').length, 0, 'no denied request reached a pod');
    assert.equal(echoes.get('reviews-2')!.requests().filter((r) => r.path === '/write').length, 0);
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--method', 'POST', '--path', '/write'], 'deny', 'frontend POST');
    // As Istio reports them: the caller's proxy counts the 403s, both proxies count the decisions by policy.
    const node1 = await metricsText('node-1');
    assert.ok(sampled(node1, 'istio_requests_total', { response_code: '403', response_flags: 'RBAC' }) > 0, 'node-1 reports its own 403s, flagged RBAC');
    assert.ok(sampled(node1, 'istio_requests_total', { response_code: '403', connection_security_policy: 'mutual_tls' }) > 0, "and node-2's, relayed through the tunnel");
    for (const node of ['node-1', 'node-2']) {
      const text = node === 'node-1' ? node1 : await metricsText(node);
      assert.ok(sampled(text, 'weft_authorization_decisions_total', { policy: '', action: '', decision: 'deny' }) > 0, `${node} counts its denials`);
      assert.ok(sampled(text, 'weft_authorization_decisions_total', { policy: 'shop/reviews-readers', action: 'ALLOW', decision: 'allow' }) > 0, `${node} counts what reviews-readers allowed`);
    }
  });

  test('gRPC: a call the policy does not allow ends PERMISSION_DENIED, on both endpoints', async () => {
    await applyPolicies(readers);
    const report = await grpcEchoInPod(mesh.testbed, 'frontend', { target: `${reviewsVip}:7070`, call: 'unary', count: 6 });
    assert.deepEqual(report.calls.map((call) => `${call.codeName} ${call.details}`), report.calls.map(() => 'PERMISSION_DENIED RBAC: access denied'));
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '7070', '--path', '/proto.EchoTestService/Echo'], 'deny', 'a gRPC call (POST)');
  });

  test('another principal and another namespace are refused: 403 on the HTTP port, a reset on the TCP one', async () => {
    await applyPolicies(readers, rawFrontendOnly);
    for (const caller of ['other', 'foreign']) {
      const answers = await curl(caller, Array.from({ length: 6 }, () => ({ url: 'http://reviews/read' })));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [403], `${caller} on the HTTP port`);
      const namespace = caller === 'foreign' ? 'elsewhere' : 'shop';
      assertCheckAgrees(['--from', `${namespace}/${caller}`, '--service', 'shop/reviews', '--port', '80', '--path', '/read'], 'deny', `${caller} on the HTTP port`);
      assertCheckAgrees(['--from', `${namespace}/${caller}`, '--service', 'shop/raw', '--port', '80'], 'deny', `${caller} on the TCP port`);
      const raw = await curl(caller, Array.from({ length: 4 }, () => ({ url: 'http://raw/read' })));
      for (const answer of raw) {
        assert.equal(answer.status, 0, `${caller} on the TCP port gets no answer`);
        assert.ok([7, 52, 56].includes(answer.exitCode), `${caller}: reset (at once: curl says it could not connect), or closed (curl exit ${answer.exitCode}: ${answer.error})`);
      }
    }
    // L4 balances connections, not requests: one curl run per connection.
    const allowed: CurlResponse[] = [];
    for (let i = 0; i < 6; i++) allowed.push(...(await curl('frontend', [{ url: 'http://raw/read' }])));
    assert.deepEqual([...new Set(allowed.map((a) => a.status))], [200], 'the frontend reaches raw over L4');
    assert.deepEqual([...new Set(allowed.map((a) => a.echo?.pod))].sort(), ['raw-1', 'raw-2']);
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/raw', '--port', '80'], 'allow', 'frontend on the TCP port');
  });

  test('DENY beats ALLOW, and path variants cannot slip past it; an allowed request reaches the backend normalised', async () => {
    await applyPolicies(readers, denyAdmin);
    const variants = ['/admin', '/admin/x', '//admin/x', '/./admin/x', '/x/../admin/x', '/%61dmin/x', '/admin%2Fx', '/admin%5Cx', '/ADMIN/../admin/x'];
    for (const path of variants) {
      const answers = await curl('frontend', [{ url: `http://reviews${path}` }, { url: `http://reviews${path}` }]);
      for (const answer of answers) assert.equal(answer.status, 403, `GET ${path} (${answer.echo?.pod ?? 'denied'})`);
      assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--path', path], 'deny', `GET ${path}`);
    }
    const [fragment] = await curl('frontend', [{ url: 'http://reviews/admin/x#frag' }]);
    assert.equal(fragment!.status, 403, 'a fragment does not hide the path');
    const answers = await curl('frontend', [{ url: 'http://reviews/a//b/./c/../d?q=//x' }, { url: 'http://reviews/a//b/./c/../d?q=//x' }]);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.echo!.path, '/a/b/d?q=//x', 'the backend sees the path that was checked, the query as sent');
    }
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--path', '/a//b/./c/../d?q=//x'], 'allow', 'GET /a//b/./c/../d');
  });

  test('hosts compare case-insensitively and a port is part of the host', async () => {
    const denyHost = { name: 'deny-host', spec: { selector: { matchLabels: { app: 'reviews' } }, action: 'DENY', rules: [{ to: [{ operation: { hosts: ['blocked.example'] } }] }] } };
    await applyPolicies(readers, denyHost);
    const [upper, withPort, other] = await curl('frontend', [
      { url: 'http://reviews/', headers: { Host: 'BLOCKED.Example' } },
      { url: 'http://reviews/', headers: { Host: 'blocked.example:8080' } },
      { url: 'http://reviews/', headers: { Host: 'fine.example' } },
    ]);
    assert.equal(upper!.status, 403);
    assert.equal(withPort!.status, 200, '`blocked.example` does not match `blocked.example:8080`');
    assert.equal(other!.status, 200);
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--host', 'BLOCKED.Example'], 'deny', 'Host BLOCKED.Example');
    assertCheckAgrees(['--from', 'shop/frontend', '--service', 'shop/reviews', '--port', '80', '--host', 'blocked.example:8080'], 'allow', 'Host blocked.example:8080');
  });

  test('a plaintext caller from outside the mesh, straight to the pod IP: refused by a principal policy, admitted by an ipBlocks one', async () => {
    await applyPolicies(readers);
    for (const pod of ['reviews-1', 'reviews-2']) {
      const [answer] = await curl('outsider', [{ url: `http://${ip(pod)}:8080/read` }]);
      assert.equal(answer!.status, 403, `outsider -> ${pod} with a principal-based policy`);
      assertCheckAgrees(['--plaintext', '--source-ip', ip('outsider'), '--to', `shop/${pod}`, '--port', '8080', '--path', '/read'], 'deny', `plaintext -> ${pod}`);
    }
    await applyPolicies({ name: 'outsider-allowed', spec: { selector: { matchLabels: { app: 'reviews' } }, action: 'ALLOW', rules: [{ from: [{ source: { ipBlocks: [`${ip('outsider')}/32`] } }] }] } });
    for (const pod of ['reviews-1', 'reviews-2']) {
      const [answer] = await curl('outsider', [{ url: `http://${ip(pod)}:8080/read` }]);
      assert.equal(answer!.status, 200, `outsider -> ${pod} by its address`);
      assert.equal(answer!.echo!.pod, pod);
      assertCheckAgrees(['--plaintext', '--source-ip', ip('outsider'), '--to', `shop/${pod}`, '--port', '8080', '--path', '/read'], 'allow', `plaintext -> ${pod} by address`);
    }
    // A policy on the TCP-declared raw pods: L4, a refused plaintext caller gets a reset.
    await applyPolicies(rawFrontendOnly);
    const [refused] = await curl('outsider', [{ url: `http://${ip('raw-1')}:8080/read` }]);
    assert.equal(refused!.status, 0);
    assert.ok([7, 52, 56].includes(refused!.exitCode), `curl exit ${refused!.exitCode}: ${refused!.error}`);
    assertCheckAgrees(['--plaintext', '--source-ip', ip('outsider'), '--to', 'shop/raw-1', '--port', '8080'], 'deny', 'plaintext -> raw-1');
  });

  /** A long-lived TCP connection from a pod: echoed once (it is open end to end), then held until the proxy closes it. */
  async function hold(from: string, host: string, port: number): Promise<ChildProcess> {
    const script = `const socket = require('node:net').connect(${port}, '${host}', () => socket.write('hello'));
      const say = (line) => console.log(JSON.stringify({ ...line, at: Date.now() }));
      socket.once('data', () => say({ msg: 'echoed' }));
      socket.on('error', (error) => say({ msg: 'error', code: error.code }));
      socket.on('close', () => { say({ msg: 'closed' }); process.exit(0); });
      setTimeout(() => process.exit(3), 30_000);`;
    const child = mesh.testbed.spawnInPod(from, [process.execPath, '-e', script]);
    await mesh.testbed.waitForLog(child, (line) => line.msg === 'echoed', 10_000);
    return child;
  }

  test('a new DENY closes open long-lived connections within 2 s: on one node, through the tunnel, and a plaintext caller', async () => {
    await applyPolicies();
    // Two connections from the frontend to raw's TCP port (round robin: one per endpoint, node-1 and node-2), and one from outside the mesh.
    const holders = [await hold('frontend', rawVip, 90), await hold('frontend', rawVip, 90), await hold('outsider', ip('raw-1'), 9090)];
    try {
      await applyPolicies({ name: 'raw-closed', spec: { selector: { matchLabels: { app: 'raw' } }, action: 'DENY', rules: [{}] } });
      const applied = Math.max(
        ...[...mesh.agents.keys()].map((node) => {
          const lines = mesh.testbed.readLogLines(mesh.agents.get(node)!.logFile).filter((l) => l.msg === 'config applied');
          return Date.parse(String(lines.at(-1)!.time));
        }),
      );
      for (const holder of holders) {
        const closed = await mesh.testbed.waitForLog(holder, (line) => line.msg === 'closed', 5_000);
        assert.ok(Number(closed.at) - applied <= 2_000, `closed ${Number(closed.at) - applied} ms after the DENY was applied`);
      }
      // And a new connection is refused outright.
      const [refused] = await curl('frontend', [{ url: 'http://raw/read' }]);
      assert.equal(refused!.status, 0);
    } finally {
      for (const holder of holders) holder.kill('SIGKILL');
    }
  });

  test('a new DENY cuts HTTP requests in flight within 2 s, on one node and at the tunnel\'s end', async () => {
    await applyPolicies(readers);
    // Two slow requests (the echo answers after 10 s), one per endpoint: reviews-1 on node-1, reviews-2 across the tunnel.
    const inFlight = [0, 1].map(() => curl('frontend', [{ url: 'http://reviews/slow?delay=10s' }]).then(([answer]) => ({ answer: answer!, at: Date.now() })));
    // The echo says nothing before it answers: give the two requests a moment to reach it (bounded, well under their 10 s).
    await sleep(700);
    await applyPolicies(readers, { name: 'deny-slow', spec: { selector: { matchLabels: { app: 'reviews' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/slow'] } }] }] } });
    const applied = Math.max(...[...mesh.agents.keys()].map((node) => Date.parse(String(mesh.testbed.readLogLines(mesh.agents.get(node)!.logFile).filter((l) => l.msg === 'config applied').at(-1)!.time))));
    for (const { answer, at } of await Promise.all(inFlight)) {
      assert.notEqual(answer.status, 200, 'the slow request was cut, not answered');
      assert.ok(at - applied <= 2_000, `cut ${at - applied} ms after the DENY was applied (curl exit ${answer.exitCode})`);
    }
  });

  /** The pod-wide cgroup_ingress mode the kernel holds for a pod of node-1. */
  function ingressMode(pod: string): number | undefined {
    const map = new PinnedMap(join(mesh.testbed.pinRoot, 'node-1', 'cgroup_ingress'));
    try {
      const value = map.lookup(encodeIngressKey({ cgroupId: statSync(mesh.testbed.pod(pod).cgroupDir, { bigint: true }).ino, port: 0 }));
      return value ? decodeIngressPolicy(value).mode : undefined;
    } finally {
      map.close();
    }
  }

  test('fail closed: a pod the capture cannot reach (no process to find its namespace by) turns STRICT while a policy selects it', async () => {
    await applyPolicies();
    assert.equal(ingressMode('idle'), IngressMode.permissive);
    await applyPolicies({ name: 'idle-guarded', spec: { selector: { matchLabels: { app: 'idle' } }, action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] } });
    assert.equal(ingressMode('idle'), IngressMode.strict, 'plaintext callers are refused in the kernel rather than let past the policy unchecked');
    assert.equal(ingressMode('reviews-1'), IngressMode.permissive, 'a captured pod stays PERMISSIVE: the proxy checks its plaintext callers');
    // And the operator is told, pod by pod.
    const { netns } = mesh.testbed.node('node-1');
    const { stdout } = await mesh.testbed.run([process.execPath, join(installRoot, 'bin', 'weft.js'), 'status'], { netns, timeoutMs: 10_000 });
    assert.match(stdout, /^shop\/idle\s+\S+\s+yes\s+refused \(fail closed: no process of the pod/m);
    assert.match(stdout, /^shop\/reviews-1\s+\S+\s+yes\s+captured$/m);
    await applyPolicies();
    assert.equal(ingressMode('idle'), IngressMode.permissive);
  });

  test('a pod no policy selects is reached by a plaintext caller as before (through the capture)', async () => {
    await applyPolicies();
    const [answer] = await curl('outsider', [{ url: `http://${ip('raw-2')}:8080/read` }]);
    assert.equal(answer!.status, 200);
    assert.equal(answer!.echo!.pod, 'raw-2');
    // Reported as Istio's destination side reports a plaintext caller: no source identity, security policy none.
    const text = await metricsText('node-2');
    assert.ok(sampled(text, 'istio_tcp_connections_opened_total', { reporter: 'destination', source_principal: 'unknown', destination_workload: 'raw', connection_security_policy: 'none' }) > 0, 'node-2 counts the captured connection');
  });
});
