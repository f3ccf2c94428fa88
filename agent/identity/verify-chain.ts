/**
 * Checks of a certificate chain the CA sent, before its key is used: the
 * leaf is for our key and has exactly the SPIFFE ID we asked for, each
 * certificate is signed by the next, and the last is signed by a root of the
 * trust bundle. Signature checks only: the CA is trusted to have set the
 * rest; this catches a mixed-up answer, not a malicious CA.
 */
import { Buffer } from 'node:buffer';
import { x509 } from '../../core/x509.js';
import { IssuedCertificateError } from './identity-errors.js';

export function parsePemCertificates(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

/** The URI SANs of a certificate. */
export function uriSans(certificate: x509.X509Certificate): string[] {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  return san ? san.names.items.filter((name) => name.type === 'url').map((name) => name.value) : [];
}

async function signedBy(child: x509.X509Certificate, parent: x509.X509Certificate): Promise<boolean> {
  try {
    return child.issuer === parent.subject && (await child.verify({ publicKey: parent.publicKey, signatureOnly: true }));
  } catch {
    return false;
  }
}

/** Resolves to the leaf when `chain` is acceptable; rejects with IssuedCertificateError saying why not. */
export async function verifyIssuedChain(
  chain: readonly string[],
  expected: { spiffeId: string; spki: ArrayBuffer; roots: readonly x509.X509Certificate[]; now?: Date },
): Promise<x509.X509Certificate> {
  let certificates: x509.X509Certificate[];
  try {
    certificates = chain.flatMap((pem) => parsePemCertificates(pem));
  } catch (error) {
    throw new IssuedCertificateError(`the CA sent something that is not a PEM certificate chain: ${(error as Error).message}`, { cause: error });
  }
  const leaf = certificates[0];
  if (!leaf) throw new IssuedCertificateError('the CA sent an empty certificate chain');
  if (!Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(expected.spki))) throw new IssuedCertificateError('the certificate is not for the key this node generated');
  const uris = uriSans(leaf);
  if (uris.length !== 1 || uris[0] !== expected.spiffeId) throw new IssuedCertificateError(`the certificate names ${JSON.stringify(uris)}, not ${expected.spiffeId}`);
  const now = expected.now ?? new Date();
  if (leaf.notAfter <= now) throw new IssuedCertificateError(`the certificate expired at ${leaf.notAfter.toISOString()}`);
  for (let i = 0; i + 1 < certificates.length; i++) {
    if (!(await signedBy(certificates[i]!, certificates[i + 1]!))) throw new IssuedCertificateError(`'${certificates[i]!.subject || 'the leaf'}' is not signed by '${certificates[i + 1]!.subject}'`);
  }
  const top = certificates[certificates.length - 1]!;
  let anchored = false;
  for (const root of expected.roots) if (!anchored && (await signedBy(top, root))) anchored = true;
  if (!anchored) throw new IssuedCertificateError('the certificate chain does not lead to a root of the trust bundle');
  return leaf;
}
