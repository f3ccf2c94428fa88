/**
 * The CA's private key as webcrypto needs it to sign: imported with the
 * algorithm its type implies. ECDSA P-256 (what Weft generates) and P-384,
 * and RSA (2048 bits or more), which operator-provided CAs often are.
 */
import { createPublicKey, webcrypto } from 'node:crypto';
import { CaMaterialError } from './ca-errors.js';
import { privateKeyObject } from './pem.js';

export interface SigningKey {
  key: CryptoKey;
  /** What X509CertificateGenerator signs with. */
  algorithm: EcdsaParams | Algorithm;
  /** The matching public key, DER SubjectPublicKeyInfo: compared with the CA certificate's. */
  spki: Buffer;
  /** e.g. "ECDSA P-256", for logs. */
  description: string;
}

const curves: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
};

export async function importSigningKey(pem: string, origin: string): Promise<SigningKey> {
  const keyObject = privateKeyObject(pem, origin);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  const subtle = webcrypto.subtle;
  if (keyObject.asymmetricKeyType === 'ec') {
    const namedCurve = keyObject.asymmetricKeyDetails?.namedCurve ?? '';
    const curve = curves[namedCurve];
    if (!curve) throw new CaMaterialError(`${origin}: an EC key on curve ${namedCurve}; the CA key must be P-256, P-384 or RSA`);
    const key = await subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve.namedCurve }, false, ['sign']);
    return { key: key as CryptoKey, algorithm: { name: 'ECDSA', hash: curve.hash }, spki, description: `ECDSA ${curve.namedCurve}` };
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new CaMaterialError(`${origin}: an RSA key of ${bits} bits; at least 2048 are needed`);
    const key = await subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key: key as CryptoKey, algorithm: { name: 'RSASSA-PKCS1-v1_5' }, spki, description: `RSA ${bits}` };
  }
  throw new CaMaterialError(`${origin}: a ${keyObject.asymmetricKeyType} key; the CA key must be ECDSA (P-256, P-384) or RSA`);
}
