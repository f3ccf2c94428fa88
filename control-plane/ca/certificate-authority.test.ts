/**
 * The CA on its own: the root it makes and keeps, operator-provided CAs with
 * intermediates, and the exact shape of what it signs, checked with
 * @peculiar/x509's chain builder and with `openssl verify`.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { x509 } from '../../core/x509.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import { memoryLog } from '../server/test-fixtures.js';
import { CaMaterialError, CsrRejectedError } from './ca-errors.js';
import { openCaMaterial } from './ca-material.js';
import { loadOrCreateRoot } from './ca-store.js';
import { CertificateAuthority } from './certificate-authority.js';
import { caCertFile, caKeyFile, FileCaStore } from './file-ca-store.js';
import { startMeshCa } from './mesh-ca.js';
import { hasOpenssl, opensslVerify, rootAndIntermediate } from './test-fixtures.js';
import { workloadCsrKey } from './workload-csr.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => mkdtempSync(join(dir, `${++dirs}-`));

async function openCa(stateDir: string, workloadTtlMs = 24 * 3_600_000) {
  const log = memoryLog();
  const { material, created } = await loadOrCreateRoot(new FileCaStore(stateDir), log.log);
  return { ca: await CertificateAuthority.open(material, { trustDomain: 'cluster.local', workloadTtlMs, log: log.log }), created, log };
}

async function csrFor(uri = 'spiffe://cluster.local/ns/shop/sa/reviews'): Promise<string> {
  return (await newWorkloadKey(uri)).csrPem;
}

test('the root is made once, kept in the state dir (key 0600), and reused across restarts', async () => {
  const stateDir = join(freshDir(), 'state');
  const first = await openCa(stateDir);
  assert.equal(first.created, true);
  const keyFile = join(stateDir, 'ca', caKeyFile);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(stateDir, 'ca')).mode & 0o777, 0o700);
  const root = new x509.X509Certificate(readFileSync(join(stateDir, 'ca', caCertFile), 'utf8'));
  assert.equal(root.subject, 'CN=weft root CA');
  assert.equal((root.publicKey.algorithm as EcKeyAlgorithm).namedCurve, 'P-256');
  assert.equal(root.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  const years = (root.notAfter.getTime() - root.notBefore.getTime()) / (365.25 * 24 * 3_600_000);
  assert.ok(years > 9.99 && years < 10.01, `10 years, not ${years}`);
  assert.ok(await root.isSelfSigned());

  const restarted = await openCa(stateDir);
  assert.equal(restarted.created, false);
  assert.equal(restarted.ca.trustBundlePem, first.ca.trustBundlePem, 'the same root after a restart');
  // A certificate from before the restart still verifies against the bundle after it.
  const issued = await first.ca.signWorkload(await workloadCsrKey(await csrFor()), { namespace: 'shop', serviceAccount: 'reviews' });
  const chain = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(restarted.ca.trustBundlePem)] }).build(new x509.X509Certificate(issued.certChainPem[0]!));
  assert.equal(chain.length, 2);
});

test('two control planes starting together on one state dir end up with one root', async () => {
  const stateDir = join(freshDir(), 'state');
  const [a, b] = await Promise.all([openCa(stateDir), openCa(stateDir)]);
  assert.equal(a.ca.trustBundlePem, b.ca.trustBundlePem);
  assert.equal([a.created, b.created].filter(Boolean).length, 1);
});

test('a workload certificate: exactly the SPIFFE URI SAN, P-256, the configured lifetime, leaf usages, and it verifies', async () => {
  const { ca } = await openCa(join(freshDir(), 'state'), 2 * 60_000);
  // The CSR asks for another identity and carries its own SAN: both ignored.
  const key = await newWorkloadKey('spiffe://cluster.local/ns/kube-system/sa/admin');
  const before = Date.now();
  const issued = await ca.signWorkload(await workloadCsrKey(key.csrPem), { namespace: 'shop', serviceAccount: 'reviews' });
  assert.equal(issued.certChainPem.length, 1, 'the root signs directly: no intermediates');
  const leaf = new x509.X509Certificate(issued.certChainPem[0]!);

  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
  assert.deepEqual(san.names.toJSON(), [{ type: 'url', value: 'spiffe://cluster.local/ns/shop/sa/reviews' }]);
  assert.equal(san.critical, true, 'the subject is empty, so the SAN is critical');
  assert.equal(leaf.subject, '');
  assert.deepEqual(leaf.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  assert.ok(Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(key.spki)), 'the key of the CSR');

  const lifetime = leaf.notAfter.getTime() - before;
  assert.ok(Math.abs(lifetime - 2 * 60_000) < 5_000, `notAfter ~2m from now, not ${lifetime} ms`);
  const backdated = before - leaf.notBefore.getTime();
  assert.ok(backdated >= 55_000 && backdated < 65_000, `backdated ~1 minute, not ${backdated} ms`);

  assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.equal(leaf.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  assert.deepEqual([...leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);

  const other = await ca.signWorkload(await workloadCsrKey(key.csrPem), { namespace: 'shop', serviceAccount: 'reviews' });
  assert.notEqual(other.serial, issued.serial, 'serials are random');
  assert.match(issued.serial, /^[0-9a-f]{32}$/);

  const chain = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(ca.trustBundlePem)] }).build(leaf);
  assert.deepEqual(Array.from(chain, (c) => c.subject), ['', 'CN=weft root CA']);
  assert.ok(await leaf.verify({ publicKey: chain[1]!.publicKey, signatureOnly: true }));
  if (hasOpenssl()) assert.match(opensslVerify(freshDir(), issued.certChainPem.join(''), ca.trustBundlePem), /OK/);
});

test('a CSR whose key is not P-256, or whose signature does not verify, is refused', async () => {
  const subtle = webcrypto.subtle;
  const csrWith = async (algorithm: EcKeyGenParams | RsaHashedKeyGenParams, signing: Algorithm | EcdsaParams) => {
    const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    return (await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: signing })).toString('pem');
  };
  await assert.rejects(workloadCsrKey(await csrWith({ name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams)), (error: unknown) => {
    assert.ok(error instanceof CsrRejectedError);
    assert.match(error.message, /ECDSA P-384; workload keys must be ECDSA P-256/);
    return true;
  });
  await assert.rejects(
    workloadCsrKey(await csrWith({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' })),
    /workload keys must be ECDSA P-256/,
  );

  // Flip a bit of the signature's last byte (s of the ECDSA signature): still a CSR, no longer signed by its key.
  const der = Buffer.from(x509.PemConverter.decodeFirst(await csrFor()));
  der[der.length - 1] = der[der.length - 1]! ^ 0x01;
  const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
  await assert.rejects(workloadCsrKey(tampered), /signature does not verify/);
  await assert.rejects(workloadCsrKey('not a csr'), /not a PEM PKCS#10 CSR/);
  const certificatePem = (await openCa(join(freshDir(), 'state'))).ca.trustBundlePem;
  await assert.rejects(workloadCsrKey(certificatePem), /not a PEM PKCS#10 CSR/);
});

test('an operator-provided CA with an intermediate: everything issued chains through it to the operator root', async () => {
  const { root, intermediate } = await rootAndIntermediate();
  const work = freshDir();
  const chainFile = join(work, 'chain.pem');
  const keyFile = join(work, 'intermediate-key.pem');
  writeFileSync(chainFile, intermediate.certPem + root.certChainPem);
  writeFileSync(keyFile, intermediate.keyPem, { mode: 0o600 });
  const log = memoryLog();
  const security = await startMeshCa(
    {
      trustDomain: 'example.org',
      workloadTtlMs: 3_600_000,
      stateDir: join(work, 'state'),
      operatorCa: { certFile: chainFile, keyFile },
      nodeAuth: 'none',
      serverNames: ['weft-control-plane'],
    },
    'unix:/unused.sock',
    log.log,
  );
  const { ca } = security;
  security.close();
  assert.equal(ca.trustBundlePem.trim(), root.certChainPem.trim(), 'the bundle is the operator root, not the intermediate');
  assert.throws(() => statSync(join(work, 'state', 'ca')), /ENOENT/, 'an operator CA is never copied into the state dir');

  const issued = await ca.signWorkload(await workloadCsrKey(await csrFor()), { namespace: 'shop', serviceAccount: 'reviews' });
  assert.equal(issued.certChainPem.length, 2, 'leaf, then the intermediate');
  const [leafPem, intermediatePem] = issued.certChainPem as [string, string];
  const leaf = new x509.X509Certificate(leafPem);
  assert.equal(leaf.issuer, 'CN=weft test intermediate, O=example');
  assert.deepEqual(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(), [{ type: 'url', value: 'spiffe://example.org/ns/shop/sa/reviews' }]);
  const chain = await new x509.X509ChainBuilder({
    certificates: [new x509.X509Certificate(intermediatePem), new x509.X509Certificate(root.certChainPem)],
  }).build(leaf);
  assert.deepEqual(Array.from(chain, (c) => c.subject), ['', 'CN=weft test intermediate, O=example', 'CN=weft root CA']);
  if (hasOpenssl()) {
    assert.match(opensslVerify(work, leafPem, root.certChainPem, intermediatePem), /OK/);
    assert.throws(() => opensslVerify(work, leafPem, root.certChainPem), 'without the intermediate the leaf does not verify');
  }

  // The chain file may stop at the intermediate when the roots come separately (--ca-bundle).
  const bundleFile = join(work, 'bundle.pem');
  writeFileSync(bundleFile, root.certChainPem);
  writeFileSync(chainFile, intermediate.certPem);
  const separate = await openCaMaterial({ certChainPem: intermediate.certPem, keyPem: intermediate.keyPem, trustBundlePem: root.certChainPem, origin: 'test' });
  assert.equal(separate.intermediates.length, 0);
  assert.equal(separate.signsAsRoot, false);
  assert.equal(separate.key.description, 'ECDSA P-384');
});

test('operator CA material that cannot work is refused with a message saying why', async () => {
  const { root, intermediate } = await rootAndIntermediate();
  const other = await rootAndIntermediate();
  const refuse = (material: Parameters<typeof openCaMaterial>[0], pattern: RegExp) =>
    assert.rejects(openCaMaterial(material), (error: unknown) => {
      assert.ok(error instanceof CaMaterialError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  await refuse({ certChainPem: intermediate.certPem + root.certChainPem, keyPem: other.intermediate.keyPem, origin: 'x' }, /the key does not belong/);
  await refuse({ certChainPem: intermediate.certPem, keyPem: intermediate.keyPem, origin: 'x' }, /not a root; append the root to the chain or give the trust bundle \(--ca-bundle\)/);
  await refuse({ certChainPem: intermediate.certPem + other.root.certChainPem, keyPem: intermediate.keyPem, origin: 'x' }, /is not signed by the next certificate/);
  await refuse({ certChainPem: intermediate.certPem, keyPem: intermediate.keyPem, trustBundlePem: other.root.certChainPem, origin: 'x' }, /does not chain to any root/);
  await refuse({ certChainPem: 'garbage', keyPem: intermediate.keyPem, origin: 'x' }, /no PEM certificate|not PEM/);
  await refuse({ certChainPem: root.certChainPem, keyPem: 'garbage', origin: 'x' }, /not a private key/);
});
