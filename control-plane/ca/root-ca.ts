/**
 * The self-signed root Weft makes on a control plane's first start when the
 * operator gives no CA: ECDSA P-256, ten years, CN "weft root CA". It signs
 * workload certificates directly (no intermediate), so the trust bundle is
 * this one certificate.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../../core/x509.js';
import type { CaMaterial } from './ca-material.js';
import { privateKeyToPem } from './pem.js';
import { randomSerial } from './serial.js';

export const rootCommonName = 'weft root CA';
export const rootValidityYears = 10;

export async function generateRootCa(origin: string, now = new Date()): Promise<CaMaterial> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + rootValidityYears);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [rootCommonName] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  return { certChainPem: `${certificate.toString('pem').trim()}\n`, keyPem: privateKeyToPem(pkcs8), origin };
}
