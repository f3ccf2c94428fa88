/**
 * Shared by the CA tests: an operator-style CA with an intermediate, a
 * control plane's security stack (CA, node authentication, discovery) on a
 * real gRPC server, and helpers to inspect what was issued. Not used by
 * production code.
 */
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/log.js';
import { x509 } from '../../core/x509.js';
import { DiscoveryServer } from '../server/discovery-server.js';
import type { MeshConfig } from '../../model/types.js';
import type { CaMaterial } from './ca-material.js';
import { type MeshCa, type MeshCaOptions, startMeshCa } from './mesh-ca.js';
import { privateKeyToPem } from './pem.js';
import { generateRootCa } from './root-ca.js';
import { randomSerial } from './serial.js';

/** A root and an intermediate it signed (as an operator's PKI would have them); the intermediate signs. */
export async function rootAndIntermediate(): Promise<{ root: CaMaterial; intermediate: { certPem: string; keyPem: string } }> {
  const root = await generateRootCa('test root');
  const rootKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(root.keyPem),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const rootCert = new x509.X509Certificate(root.certChainPem);
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=weft test intermediate, O=example',
    issuer: rootCert.subjectName,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3_600_000),
    publicKey: keys.publicKey,
    signingKey: rootKey as CryptoKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootCert.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  return { root, intermediate: { certPem: certificate.toString('pem'), keyPem: privateKeyToPem(pkcs8) } };
}

/** `openssl verify` of a leaf against roots, with untrusted intermediates; the output, or throws. */
export function opensslVerify(dir: string, leafPem: string, rootsPem: string, intermediatesPem = ''): string {
  const name = Math.random().toString(36).slice(2);
  const [leaf, roots, intermediates] = ['leaf', 'roots', 'intermediates'].map((part) => join(dir, `${name}-${part}.pem`)) as [string, string, string];
  writeFileSync(leaf, leafPem);
  writeFileSync(roots, rootsPem);
  writeFileSync(intermediates, intermediatesPem);
  const args = ['verify', '-purpose', 'sslclient', '-CAfile', roots, ...(intermediatesPem ? ['-untrusted', intermediates] : []), leaf];
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface TestControlPlane {
  server: DiscoveryServer;
  security: MeshCa;
  address: string;
  setConfig(config: MeshConfig): void;
  close(): Promise<void>;
}

/** What control-plane/app.ts wires, minus the config source: the CA and node auth on the discovery server's gRPC server. */
export async function startTestControlPlane(options: {
  listen: string;
  log: Logger;
  config: MeshConfig;
  security: Partial<MeshCaOptions> & Pick<MeshCaOptions, 'stateDir'>;
}): Promise<TestControlPlane> {
  const security = await startMeshCa(
    { trustDomain: 'cluster.local', workloadTtlMs: 3_600_000, nodeAuth: 'auto', serverNames: ['weft-control-plane'], ...options.security },
    options.listen,
    options.log,
  );
  const server = new DiscoveryServer({ log: options.log, auth: security.auth });
  let config = options.config;
  security.register(server, () => config);
  server.update(config, '1');
  let version = 1;
  const address = await server.listen(options.listen, await security.serverCredentials(options.listen));
  return {
    server,
    security,
    address,
    setConfig(next) {
      config = next;
      server.update(next, String(++version));
    },
    async close() {
      await server.close();
      security.close();
    },
  };
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
