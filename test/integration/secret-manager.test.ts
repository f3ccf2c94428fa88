/**
 * The identity manager against a real CA (in process, 4 s certificates, so
 * half-life renewal and expiry happen within a test) behind an issuer that
 * can be made to fail; and once over the real gRPC service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { loadOrCreateRoot } from '../../control-plane/ca/ca-store.js';
import { CertificateAuthority } from '../../control-plane/ca/certificate-authority.js';
import { FileCaStore } from '../../control-plane/ca/file-ca-store.js';
import { NodeTokenFile } from '../../control-plane/auth/node-tokens.js';
import { startTestControlPlane } from '../../control-plane/ca/test-fixtures.js';
import { workloadCsrKey } from '../../control-plane/ca/workload-csr.js';
import { memoryLog, twoNodeMesh, waitFor } from '../../control-plane/server/test-fixtures.js';
import { AgentMetrics } from '../../agent/metrics.js';
import { CaClient, type CertificateIssuer, type IssuedChain, type TrustBundle } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { CaRequestError, NoCredentialError } from '../../agent/identity/identity-errors.js';
import { localIdentities } from '../../agent/identity/local-identities.js';
import { SecretManager, type SecretManagerOptions } from '../../agent/identity/secret-manager.js';
import { uriSans } from '../../agent/identity/verify-chain.js';
import { x509 } from '../../core/x509.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-identity-'));
let ca: CertificateAuthority;
before(async () => {
  const { material } = await loadOrCreateRoot(new FileCaStore(join(dir, 'state')), memoryLog().log);
  ca = await CertificateAuthority.open(material, { trustDomain: 'cluster.local', workloadTtlMs: 4_000, log: memoryLog().log });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const reviews: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'reviews' };
const ratings: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'ratings' };

/** The real CA behind a switch: `down` fails every call, `failNext` the next few; `calls` records when each came. */
class TestIssuer implements CertificateIssuer {
  calls: Array<{ at: number; identity: string }> = [];
  down = false;
  failNext = 0;
  code = grpc.status.UNAVAILABLE;

  async createCertificate(csrPem: string, identity: WorkloadIdentity): Promise<IssuedChain> {
    this.calls.push({ at: Date.now(), identity: spiffeId(identity) });
    await sleep(20); // a round trip, so that concurrent callers overlap
    if (this.down || this.failNext > 0) {
      this.failNext = Math.max(0, this.failNext - 1);
      throw new CaRequestError(this.code, `CreateCertificate: ${grpc.status[this.code]}: the CA is down`);
    }
    const issued = await ca.signWorkload(await workloadCsrKey(csrPem), identity);
    return { certChainPem: issued.certChainPem, trustBundlePem: ca.trustBundlePem };
  }

  async trustBundle(): Promise<TrustBundle> {
    return { trustBundlePem: ca.trustBundlePem, trustDomain: ca.trustDomain };
  }

  callsFor(identity: WorkloadIdentity): number[] {
    return this.calls.filter((c) => c.identity === spiffeId(identity)).map((c) => c.at);
  }
}

async function manager(t: { after(fn: () => unknown): void }, options: Partial<SecretManagerOptions> = {}) {
  const issuer = new TestIssuer();
  const log = memoryLog();
  const secrets = new SecretManager({
    issuer,
    trustBundle: await issuer.trustBundle(),
    log: log.log,
    retry: { baseMs: 20, capMs: 50 },
    background: { baseMs: 100, capMs: 300 },
    renewJitter: 0,
    ...options,
  });
  t.after(() => secrets.close());
  return { secrets, issuer, log };
}

const stateOf = (secrets: SecretManager, identity: WorkloadIdentity) => secrets.status().find((s) => s.identity === spiffeId(identity));

test('a certificate is fetched once, shared by concurrent callers, cached, and matches its key', async (t) => {
  const { secrets, issuer } = await manager(t);
  assert.equal(stateOf(secrets, reviews), undefined);
  const credentials = await Promise.all(Array.from({ length: 5 }, () => secrets.credential(reviews)));
  assert.equal(issuer.calls.length, 1, 'one fetch for five concurrent callers');
  assert.ok(credentials.every((c) => c === credentials[0]));
  assert.equal(await secrets.credential(reviews), credentials[0], 'cached');
  assert.equal(issuer.calls.length, 1);

  const credential = credentials[0]!;
  const leaf = new x509.X509Certificate(credential.certChainPem);
  assert.deepEqual(uriSans(leaf), ['spiffe://cluster.local/ns/shop/sa/reviews']);
  assert.deepEqual(credential.identity, reviews);
  assert.equal(credential.notAfter.getTime(), leaf.notAfter.getTime());
  const { createPrivateKey, createPublicKey } = await import('node:crypto');
  const derivedPublic = createPublicKey(createPrivateKey(credential.keyPem)).export({ type: 'spki', format: 'der' });
  assert.ok(Buffer.from(leaf.publicKey.rawData).equals(derivedPublic), 'the key is the certificate\'s');
  assert.equal(stateOf(secrets, reviews)?.state, 'valid');
  assert.equal(secrets.trustBundlePem(), ca.trustBundlePem);
  assert.equal(secrets.trustDomain, 'cluster.local');
});

test('renewal at half-life (4 s certificates): a new key and certificate about 2 s after the first', async (t) => {
  const { secrets, issuer } = await manager(t);
  const first = await secrets.credential(reviews);
  await waitFor('a renewal', () => issuer.calls.length >= 2, 4_000);
  const [issuedAt, renewedAt] = issuer.callsFor(reviews) as [number, number];
  // Half of what was left when it arrived (notAfter has whole-second precision, so up to 4 s).
  const halfLife = (first.notAfter.getTime() - issuedAt) / 2;
  const afterMs = renewedAt - issuedAt;
  assert.ok(halfLife > 1_400 && halfLife < 2_100, `half-life ${halfLife} ms`);
  assert.ok(Math.abs(afterMs - halfLife) < 300, `renewed ${afterMs} ms after the first fetch, half-life ${halfLife} ms`);
  await waitFor('the renewed certificate in use', () => stateOf(secrets, reviews)?.notAfter !== first.notAfter.toISOString());
  const second = await secrets.credential(reviews);
  assert.notEqual(second, first);
  assert.ok(second.notAfter > first.notAfter);
  assert.notEqual(second.keyPem, first.keyPem, 'a new key every time');
});

test('an expired certificate is never returned: while renewal fails the old one serves until it runs out, then credential() rejects', async (t) => {
  const { secrets, issuer } = await manager(t);
  const first = await secrets.credential(reviews);
  issuer.down = true;
  await waitFor('a failed renewal', () => stateOf(secrets, reviews)?.lastError, 4_000);
  // Still inside its lifetime: the old certificate, marked as renewing.
  assert.equal(await secrets.credential(reviews), first);
  assert.equal(stateOf(secrets, reviews)?.state, 'renewing');
  assert.match(stateOf(secrets, reviews)?.lastError ?? '', /the CA is down/);
  const retriesBefore = issuer.calls.length;
  await sleep(Math.max(0, first.notAfter.getTime() - Date.now()) + 100);
  assert.ok(issuer.calls.length > retriesBefore, 'renewal kept being retried');
  await assert.rejects(secrets.credential(reviews), (error: unknown) => {
    assert.ok(error instanceof NoCredentialError);
    assert.equal(error.code, 'WEFT_ERR_NO_CREDENTIAL');
    assert.match(error.message, /no valid certificate for spiffe:\/\/cluster.local\/ns\/shop\/sa\/reviews: .*the CA is down/);
    return true;
  });
  const status = stateOf(secrets, reviews)!;
  assert.equal(status.state, 'failed');
  assert.equal(status.notAfter, first.notAfter.toISOString(), 'status still says when the last one expired');

  // The CA comes back: the next call gets a fresh certificate.
  issuer.down = false;
  const fresh = await secrets.credential(reviews);
  assert.ok(fresh.notAfter.getTime() - Date.now() > 2_000);
  assert.equal(stateOf(secrets, reviews)?.state, 'valid');
});

test('a failing CA is retried with backoff within one request, and a permanent refusal is not', async (t) => {
  const { secrets, issuer } = await manager(t);
  issuer.failNext = 2;
  const credential = await secrets.credential(reviews);
  assert.equal(issuer.calls.length, 3, 'two failures, then success');
  assert.ok(credential.notAfter > new Date());

  issuer.down = true;
  issuer.code = grpc.status.PERMISSION_DENIED;
  await assert.rejects(secrets.credential(ratings), NoCredentialError);
  assert.equal(issuer.callsFor(ratings).length, 1, 'PERMISSION_DENIED is not retried on the spot');

  issuer.code = grpc.status.UNAVAILABLE;
  const start = issuer.calls.length;
  await assert.rejects(secrets.credential({ ...ratings, serviceAccount: 'other' }), NoCredentialError);
  assert.equal(issuer.calls.length - start, 4, 'four attempts, then a coded rejection');
});

test('prefetch on config: retained identities are fetched ahead of demand, retried in the background, and dropped when gone', async (t) => {
  const metrics = new AgentMetrics();
  const { secrets, issuer } = await manager(t, { metrics, attempts: 2 });
  issuer.down = true;
  secrets.retain([reviews, ratings]);
  await waitFor('both failed', () => secrets.status().filter((s) => s.state === 'failed').length === 2, 3_000);
  issuer.down = false;
  await waitFor('both fetched in the background', () => secrets.status().every((s) => s.state === 'valid'), 3_000);
  const callsBefore = issuer.calls.length;
  await secrets.credential(reviews);
  assert.equal(issuer.calls.length, callsBefore, 'the first connection did not wait for a fetch');

  const gauge = async () => (await metrics.registry.getSingleMetric('weft_certificate_expiry_seconds')!.get()).values;
  const values = await gauge();
  assert.deepEqual(values.map((v) => v.labels.identity).sort(), [spiffeId(ratings), spiffeId(reviews)]);
  assert.ok(values.every((v) => v.value > 0 && v.value <= 4));

  secrets.retain([reviews]);
  assert.deepEqual(secrets.status().map((s) => s.identity), [spiffeId(reviews)]);
  assert.deepEqual((await gauge()).map((v) => v.labels.identity), [spiffeId(reviews)]);
});

test('identities outside the trust domain are refused; local identities come from the node\'s meshed workloads', async (t) => {
  const { secrets } = await manager(t);
  await assert.rejects(secrets.credential({ ...reviews, trustDomain: 'elsewhere.org' }), /not in this mesh's trust domain cluster.local/);
  const mesh = twoNodeMesh();
  mesh.workloads.push({ ...mesh.workloads[0]!, name: 'unmeshed', serviceAccount: 'unmeshed', mesh: false });
  assert.deepEqual(localIdentities(mesh, 'node-1', 'cluster.local').map(spiffeId), ['spiffe://cluster.local/ns/shop/sa/client', 'spiffe://cluster.local/ns/shop/sa/reviews']);
});

test('over the real service: certificates for the node\'s own workloads; another node\'s identity is refused by the CA', async (t) => {
  const stateDir = join(dir, 'cp-state');
  const { token } = await new NodeTokenFile(stateDir).create('node-1');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token);
  const cp = await startTestControlPlane({ listen: `unix:${join(dir, 'cp.sock')}`, log: memoryLog().log, config: twoNodeMesh(), security: { stateDir } });
  t.after(() => cp.close());
  const client = new CaClient({ channel: new ControlPlaneChannel({ address: cp.address, tokenFile }), node: 'node-1' });
  t.after(() => client.close());
  const log = memoryLog();
  const secrets = new SecretManager({ issuer: client, trustBundle: await client.trustBundle(), log: log.log });
  t.after(() => secrets.close());
  secrets.retain(localIdentities(twoNodeMesh(), 'node-1', secrets.trustDomain));
  await waitFor('prefetched', () => secrets.status().length === 2 && secrets.status().every((s) => s.state === 'valid'), 5_000);
  await assert.rejects(secrets.credential(ratings), (error: unknown) => {
    assert.ok(error instanceof NoCredentialError);
    assert.equal((error.cause as CaRequestError).grpcCode, grpc.status.PERMISSION_DENIED);
    return true;
  });
});
