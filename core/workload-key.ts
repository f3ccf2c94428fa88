/**
 * A fresh ECDSA P-256 key for one workload certificate, generated on this
 * node (webcrypto), and the CSR that asks for it. A new key per certificate,
 * renewals included; the private key never leaves the agent. The CSR names
 * the SPIFFE ID it wants, for anyone reading it; the CA ignores that and
 * decides the identity itself.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from './x509.js';

export interface WorkloadKey {
  csrPem: string;
  /** PEM PKCS#8 */
  keyPem: string;
  /** DER SubjectPublicKeyInfo, to recognise the certificate issued for it. */
  spki: ArrayBuffer;
}

export async function newWorkloadKey(spiffeId: string): Promise<WorkloadKey> {
  const subtle = webcrypto.subtle;
  const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)],
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  const spki = await subtle.exportKey('spki', keys.publicKey as unknown as webcrypto.CryptoKey);
  return {
    csrPem: csr.toString('pem'),
    keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY').trim()}\n`,
    spki,
  };
}
