/**
 * The Certificates service and node authentication over real gRPC on a Unix
 * socket: a CA issuing only for workloads scheduled on the asking node,
 * node tokens (unknown, revoked, another node's), and the discovery stream
 * held to the same credential.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CaClient } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import { x509 } from '../../core/x509.js';
import { XdsClient } from '../../agent/xds/xds-client.js';
import { memoryLog, twoNodeMesh, waitFor } from '../../control-plane/server/test-fixtures.js';
import { certificatesV1 } from '../../api/certificates-proto.js';
import { NodeTokenFile } from '../../control-plane/auth/node-tokens.js';
import { bearer, startTestControlPlane, type TestControlPlane } from '../../control-plane/ca/test-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-ca-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

interface Harness {
  cp: TestControlPlane;
  log: ReturnType<typeof memoryLog>;
  stateDir: string;
  tokens: Record<string, string>;
  tokenIds: Record<string, string>;
}

/** twoNodeMesh(): node-1 runs shop/client and shop/reviews, node-2 shop/reviews, shop/ratings and shop/lonely. */
async function start(t: { after(fn: () => unknown): void }, nodes = ['node-1', 'node-2']): Promise<Harness> {
  const run = ++runs;
  const stateDir = join(dir, `state-${run}`);
  const tokens: Record<string, string> = {};
  const tokenIds: Record<string, string> = {};
  for (const node of nodes) {
    const { token, record } = await new NodeTokenFile(stateDir).create(node);
    tokens[node] = token;
    tokenIds[node] = record.id;
  }
  const log = memoryLog();
  const cp = await startTestControlPlane({ listen: `unix:${join(dir, `cp-${run}.sock`)}`, log: log.log, config: twoNodeMesh(), security: { stateDir, workloadTtlMs: 10 * 60_000 } });
  t.after(() => cp.close());
  return { cp, log, stateDir, tokens, tokenIds };
}

function rawClient(t: { after(fn: () => unknown): void }, address: string) {
  const client = new (certificatesV1().Certificates)(address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  return client;
}

function createCertificate(
  client: ReturnType<typeof rawClient>,
  request: { csrPem: string; namespace: string; serviceAccount: string; node?: string },
  metadata = new grpc.Metadata(),
): Promise<{ certChainPem: string[]; trustBundlePem: string }> {
  return new Promise((resolve, reject) => client.CreateCertificate(request, metadata, (error, response) => (error ? reject(error) : resolve(response!))));
}

const grpcCode = (code: grpc.status) => (error: unknown) => {
  assert.equal((error as grpc.ServiceError).code, code, `${grpc.status[(error as grpc.ServiceError).code]}: ${(error as Error).message}`);
  return true;
};

test('a node gets certificates for the workloads scheduled on it, through the agent client', async (t) => {
  const { cp, tokens, stateDir, log } = await start(t);
  const tokenFile = join(stateDir, 'node-1.token');
  (await import('node:fs')).writeFileSync(tokenFile, `${tokens['node-1']}\n`);
  const client = new CaClient({ channel: new ControlPlaneChannel({ address: cp.address, tokenFile }), node: 'node-1' });
  t.after(() => client.close());

  const bundle = await client.trustBundle();
  assert.equal(bundle.trustDomain, 'cluster.local');
  assert.equal(bundle.trustBundlePem, cp.security.ca.trustBundlePem);

  const key = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/reviews');
  const issued = await client.createCertificate(key.csrPem, { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'reviews' });
  const leaf = new x509.X509Certificate(issued.certChainPem[0]!);
  assert.deepEqual(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(), [{ type: 'url', value: 'spiffe://cluster.local/ns/shop/sa/reviews' }]);
  assert.equal(issued.trustBundlePem, bundle.trustBundlePem);
  const lifetime = leaf.notAfter.getTime() - Date.now();
  assert.ok(lifetime > 9 * 60_000 && lifetime <= 10 * 60_000, 'the configured 10 minute lifetime');
  assert.ok(log.records.some((r) => r.msg === 'certificate issued' && r.node === 'node-1' && r.identity === 'spiffe://cluster.local/ns/shop/sa/reviews'));
});

test('a CSR for a workload scheduled on another node is refused, and the refusal logged with both identities', async (t) => {
  const { cp, tokens, log } = await start(t);
  const client = rawClient(t, cp.address);
  const { csrPem } = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/ratings');
  // shop/ratings runs only on node-2; node-1 asks (the CSR names it too: irrelevant).
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'ratings' }, bearer(tokens['node-1']!)), grpcCode(grpc.status.PERMISSION_DENIED));
  const refusal = log.records.find((r) => r.level === 40 && /^certificate refused/.test(r.msg));
  assert.ok(refusal, 'a warn line');
  assert.equal(refusal.node, 'node-1');
  assert.equal(refusal.requested, 'spiffe://cluster.local/ns/shop/sa/ratings');
  assert.deepEqual(refusal.runsOn, ['node-2']);
  assert.match(refusal.msg, /node node-1 asked for spiffe:\/\/cluster.local\/ns\/shop\/sa\/ratings, which runs on node-2/);

  // Nowhere at all, and a meshed workload's identity in the wrong namespace.
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'nobody' }, bearer(tokens['node-1']!)), grpcCode(grpc.status.PERMISSION_DENIED));
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'other', serviceAccount: 'reviews' }, bearer(tokens['node-1']!)), grpcCode(grpc.status.PERMISSION_DENIED));
  // node-2 may have it.
  const issued = await createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'ratings' }, bearer(tokens['node-2']!));
  assert.equal(issued.certChainPem.length, 1);

  // The rule follows the served config: when ratings moves to node-1, node-1 may have it.
  const moved = twoNodeMesh();
  moved.workloads = moved.workloads.map((w) => (w.name === 'ratings-2' ? { ...w, node: 'node-1' } : w));
  cp.setConfig(moved);
  await createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'ratings' }, bearer(tokens['node-1']!));
});

test('no token, an unknown token and a revoked token are refused; a token is only good for its own node', async (t) => {
  const { cp, tokens, tokenIds, stateDir } = await start(t);
  const client = rawClient(t, cp.address);
  const { csrPem } = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/reviews');
  const request = { csrPem, namespace: 'shop', serviceAccount: 'reviews' };
  await assert.rejects(createCertificate(client, request), grpcCode(grpc.status.UNAUTHENTICATED));
  await assert.rejects(createCertificate(client, request, bearer('weft1.00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')), grpcCode(grpc.status.UNAUTHENTICATED));
  await assert.rejects(createCertificate(client, request, bearer(`${tokens['node-1']}x`)), grpcCode(grpc.status.UNAUTHENTICATED));
  // node-2's token claiming node-1 (node-1 runs shop/reviews, node-2 does too; the claim is what is refused).
  await assert.rejects(createCertificate(client, { ...request, node: 'node-1' }, bearer(tokens['node-2']!)), grpcCode(grpc.status.PERMISSION_DENIED));
  await createCertificate(client, { ...request, node: 'node-1' }, bearer(tokens['node-1']!));

  const removed = await new NodeTokenFile(stateDir).revoke({ id: tokenIds['node-1']! });
  assert.equal(removed.length, 1);
  await assert.rejects(createCertificate(client, request, bearer(tokens['node-1']!)), grpcCode(grpc.status.UNAUTHENTICATED));
  await createCertificate(client, request, bearer(tokens['node-2']!));
});

test('the discovery stream needs the node credential of the node it names; revoking it ends the stream', async (t) => {
  const { cp, tokens, stateDir, log } = await start(t);
  const stream = (node: string, token?: string) => {
    const client = new XdsClient({
      address: cp.address,
      node: { name: node, ip: '192.168.0.1' },
      log: memoryLog('warn').log,
      agentVersion: 'test',
      backoff: { baseMs: 50, capMs: 200 },
      channel: { credentials: grpc.credentials.createInsecure(), channelOptions: {}, metadata: () => (token ? bearer(token) : new grpc.Metadata()) },
    });
    t.after(() => client.close());
    return client.start();
  };
  const anonymous = stream('node-1');
  const impostor = stream('node-1', tokens['node-2']);
  const honest = stream('node-2', tokens['node-2']);
  await waitFor('node-2 synced', () => honest.state === 'connected');
  await waitFor('both refusals logged', () => log.records.filter((r) => r.msg === 'discovery stream ended: refused').length >= 2);
  assert.equal(anonymous.state === 'connected' || impostor.state === 'connected', false);
  assert.deepEqual(cp.server.connectedNodes().map((n) => n.name), ['node-2']);
  const refusals = log.records.filter((r) => r.msg === 'discovery stream ended: refused');
  assert.ok(refusals.some((r) => r.code === 'UNAUTHENTICATED'));
  assert.ok(refusals.some((r) => r.code === 'PERMISSION_DENIED' && /belongs to node node-2, not node-1/.test(r.err.message)));

  await new NodeTokenFile(stateDir).revoke({ node: 'node-2' });
  await waitFor('the revoked stream ended', () => log.records.some((r) => r.msg === 'node credential revoked; ending its discovery stream'), 6_000);
  await waitFor('node-2 gone', () => cp.server.connectedNodes().length === 0, 3_000);
  // The server ends the stream first; the agent sees the end a moment later.
  await waitFor('the agent sees its stream end', () => honest.state !== 'connected', 3_000);
  assert.ok(honest.config, 'the agent keeps its last good config');
});

test('with node authentication off (a Unix socket, no tokens) the claimed node is believed, and still bound by the rule', async (t) => {
  const log = memoryLog();
  const cp = await startTestControlPlane({ listen: `unix:${join(dir, 'open.sock')}`, log: log.log, config: twoNodeMesh(), security: { stateDir: join(dir, 'open-state') } });
  t.after(() => cp.close());
  assert.equal(cp.security.auth.mode, 'none');
  const client = rawClient(t, cp.address);
  const { csrPem } = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/reviews');
  await createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'reviews', node: 'node-1' });
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'ratings', node: 'node-1' }), grpcCode(grpc.status.PERMISSION_DENIED));
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'shop', serviceAccount: 'reviews' }), grpcCode(grpc.status.UNAUTHENTICATED), 'the node must be named');
  await assert.rejects(createCertificate(client, { csrPem: 'nonsense', namespace: 'shop', serviceAccount: 'reviews', node: 'node-1' }), grpcCode(grpc.status.INVALID_ARGUMENT));
  await assert.rejects(createCertificate(client, { csrPem, namespace: 'Shop!', serviceAccount: 'reviews', node: 'node-1' }), grpcCode(grpc.status.INVALID_ARGUMENT));
});
