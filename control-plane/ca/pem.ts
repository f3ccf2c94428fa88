/**
 * PEM in and out for the CA: certificate lists (a chain or bundle file may
 * hold several), private keys in any of the encodings operators have
 * (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY"), normalised to
 * PKCS#8 by Node's KeyObject so webcrypto can import them. Parsing is
 * @peculiar/x509's and Node's; nothing here reads ASN.1 itself.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { x509 } from '../../core/x509.js';
import { CaMaterialError } from './ca-errors.js';

/** Every certificate in `pem`, in order; refuses text with none or with something else in it. */
export function parseCertificates(pem: string, origin: string): x509.X509Certificate[] {
  let blocks: x509.PemStruct[];
  try {
    blocks = x509.PemConverter.decodeWithHeaders(pem);
  } catch (error) {
    throw new CaMaterialError(`${origin}: not PEM: ${(error as Error).message}`, { cause: error });
  }
  if (blocks.length === 0) throw new CaMaterialError(`${origin}: no PEM certificate in it`);
  return blocks.map((block, index) => {
    if (block.type !== 'CERTIFICATE') throw new CaMaterialError(`${origin}: PEM block ${index + 1} is '${block.type}', not a CERTIFICATE`);
    try {
      return new x509.X509Certificate(block.rawData);
    } catch (error) {
      throw new CaMaterialError(`${origin}: PEM block ${index + 1} is not an X.509 certificate: ${(error as Error).message}`, { cause: error });
    }
  });
}

export function certificatesToPem(certificates: readonly x509.X509Certificate[]): string {
  return certificates.map((certificate) => `${certificate.toString('pem').trim()}\n`).join('');
}

export function privateKeyObject(pem: string, origin: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const hint = /ENCRYPTED/.test(pem) ? ' (encrypted keys are not supported: give the key unencrypted, in a file only the control plane can read)' : '';
    throw new CaMaterialError(`${origin}: not a private key${hint}: ${(error as Error).message}`, { cause: error });
  }
}

export function privateKeyToPem(pkcs8: ArrayBuffer): string {
  return `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY').trim()}\n`;
}
