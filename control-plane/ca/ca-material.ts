/**
 * The CA's certificate chain and key, as stored or as an operator gives
 * them, checked and opened for signing. The chain is the signing
 * certificate first, then any intermediates above it, optionally ending in
 * the root; every certificate Weft issues is sent with those intermediates,
 * so it chains through them to the root. The roots (the trust bundle) are
 * the chain's self-signed tail, or a separate bundle when the chain stops
 * below the root.
 */
import { Buffer } from 'node:buffer';
import { x509 } from '../../core/x509.js';
import { CaMaterialError } from './ca-errors.js';
import { certificatesToPem, parseCertificates } from './pem.js';
import { importSigningKey, type SigningKey } from './signing-key.js';

export interface CaMaterial {
  /** PEM: the signing CA certificate first, then intermediates, optionally ending in the root. */
  certChainPem: string;
  /** PEM private key of the signing certificate. */
  keyPem: string;
  /** PEM roots; needed only when the chain does not end in a self-signed root. */
  trustBundlePem?: string;
  /** Where it came from, for messages: a file, a Secret. */
  origin: string;
}

export interface CaSigner {
  /** Signs every certificate the CA issues. */
  certificate: x509.X509Certificate;
  /** Between `certificate` and the root, nearest first; sent after every leaf. */
  intermediates: x509.X509Certificate[];
  roots: x509.X509Certificate[];
  /** The signing certificate is itself a root: issued chains are the leaf alone. */
  signsAsRoot: boolean;
  trustBundlePem: string;
  key: SigningKey;
  origin: string;
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

async function signedBy(child: x509.X509Certificate, parent: x509.X509Certificate): Promise<boolean> {
  if (child.issuer !== parent.subject) return false;
  try {
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

function isCa(certificate: x509.X509Certificate): boolean {
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) return false;
  const usages = certificate.getExtension(x509.KeyUsagesExtension);
  return !usages || (usages.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

export async function openCaMaterial(material: CaMaterial, now = new Date()): Promise<CaSigner> {
  const { origin } = material;
  const chain = parseCertificates(material.certChainPem, `${origin} (certificate chain)`);
  const key = await importSigningKey(material.keyPem, `${origin} (key)`);
  const signing = chain[0]!;
  if (!Buffer.from(signing.publicKey.rawData).equals(key.spki)) {
    throw new CaMaterialError(`${origin}: the key does not belong to the first certificate of the chain (${signing.subject})`);
  }
  for (const certificate of chain) {
    if (!isCa(certificate)) throw new CaMaterialError(`${origin}: '${certificate.subject}' is not a CA certificate (basicConstraints CA:TRUE and keyCertSign are needed)`);
  }
  if (signing.notAfter <= now || signing.notBefore > now) {
    throw new CaMaterialError(`${origin}: the CA certificate '${signing.subject}' is valid only from ${signing.notBefore.toISOString()} to ${signing.notAfter.toISOString()}`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(await signedBy(chain[i]!, chain[i + 1]!))) {
      throw new CaMaterialError(`${origin}: '${chain[i]!.subject}' is not signed by the next certificate in the chain, '${chain[i + 1]!.subject}'; order it signing CA first, root last`);
    }
  }

  // The chain's self-signed tail is its root; what is below it goes out with every leaf.
  let top = chain.length;
  while (top > 0 && (await chain[top - 1]!.isSelfSigned())) top--;
  const inChainRoots = chain.slice(top);
  const intermediates = chain.slice(1, Math.max(1, top));
  let roots: x509.X509Certificate[];
  if (material.trustBundlePem) {
    roots = parseCertificates(material.trustBundlePem, `${origin} (trust bundle)`);
  } else if (inChainRoots.length > 0) {
    roots = inChainRoots;
  } else {
    throw new CaMaterialError(`${origin}: the chain ends in '${chain[chain.length - 1]!.subject}', which is not a root; append the root to the chain or give the trust bundle (--ca-bundle)`);
  }
  // The highest non-root (or the root itself) must be a root of the bundle or signed by one.
  const highest = chain[Math.max(0, top - 1)]!;
  let anchored = roots.some((root) => sameCertificate(root, highest));
  for (const root of roots) if (!anchored && (await signedBy(highest, root))) anchored = true;
  if (!anchored) throw new CaMaterialError(`${origin}: '${highest.subject}' does not chain to any root of the trust bundle`);
  const signsAsRoot = top === 0 || roots.some((root) => sameCertificate(root, signing));
  return { certificate: signing, intermediates, roots, signsAsRoot, trustBundlePem: certificatesToPem(roots), key, origin };
}
