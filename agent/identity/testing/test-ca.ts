/**
 * A throwaway certificate authority for tests only: a self-signed root and
 * X.509-SVID leaves for any identity, lifetime or trust domain, including the
 * broken ones (expired, foreign trust domain, several URI SANs) that the proxy
 * must refuse. Never imported by production code; the real CA lives in the
 * control plane.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../../../core/x509.js';
import { spiffeId, type CertificateProvider, type Credential, type WorkloadIdentity } from '../../../core/spiffe-id.js';

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const hour = 3_600_000;

export interface LeafOptions {
  /** default: an hour ago, so clock skew between test steps never matters */
  notBefore?: Date;
  /** default: notBefore + 24 h */
  notAfter?: Date;
  /** URI SANs to write instead of the identity's SPIFFE ID (to test refusals of odd certificates) */
  uris?: string[];
}

function toPem(der: ArrayBuffer, label: string): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

function randomSerial(): string {
  // Positive (high bit clear) and never zero.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

export class TestCa {
  private constructor(
    readonly trustDomain: string,
    readonly root: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(options: { trustDomain?: string; name?: string } = {}): Promise<TestCa> {
    const trustDomain = options.trustDomain ?? 'cluster.local';
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `O=${trustDomain}, CN=${options.name ?? 'weft test root'}`,
      notBefore: new Date(now - hour),
      notAfter: new Date(now + 24 * hour),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new TestCa(trustDomain, root, keys);
  }

  get rootPem(): string {
    return this.root.toString('pem') + '\n';
  }

  /** A leaf for the identity (its own trust domain is written as given, so a foreign one is easy to make). */
  async issue(identity: WorkloadIdentity, options: LeafOptions = {}): Promise<Credential> {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const notBefore = options.notBefore ?? new Date(Date.now() - hour);
    const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 24 * hour);
    const uris = options.uris ?? [spiffeId(identity)];
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      // SPIFFE X509-SVIDs identify by URI SAN only; a subject keeps tools like openssl readable.
      subject: `O=${identity.trustDomain}, OU=${identity.namespace}, CN=${identity.serviceAccount}`,
      issuer: this.root.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value })), true),
        await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      identity,
      certChainPem: leaf.toString('pem') + '\n',
      keyPem: toPem(pkcs8, 'PRIVATE KEY'),
      notBefore,
      notAfter,
    };
  }
}

/**
 * A CertificateProvider over fixed credentials: `set` installs (or rotates)
 * one; identities without one are issued on demand by `issuer`, when given.
 * Unlike the real provider it hands out whatever it holds, expired or not,
 * so tests can check that the peer refuses it.
 */
export class StaticCertificateProvider implements CertificateProvider {
  readonly #credentials = new Map<string, Credential>();
  /** issuance in flight, so concurrent callers get the same credential, as from the real provider */
  readonly #issuing = new Map<string, Promise<Credential>>();
  #bundlePem: string;
  /** how many times `credential` was asked, per SPIFFE ID */
  readonly requests = new Map<string, number>();

  constructor(
    bundle: TestCa | string,
    readonly trustDomain: string = typeof bundle === 'string' ? 'cluster.local' : bundle.trustDomain,
    private readonly issuer: TestCa | undefined = typeof bundle === 'string' ? undefined : bundle,
  ) {
    this.#bundlePem = typeof bundle === 'string' ? bundle : bundle.rootPem;
  }

  set(identity: WorkloadIdentity, credential: Credential): void {
    this.#credentials.set(spiffeId(identity), credential);
  }

  setTrustBundle(pem: string): void {
    this.#bundlePem = pem;
  }

  async credential(identity: WorkloadIdentity): Promise<Credential> {
    const id = spiffeId(identity);
    this.requests.set(id, (this.requests.get(id) ?? 0) + 1);
    const held = this.#credentials.get(id);
    if (held) return held;
    if (!this.issuer) throw new Error(`test provider holds no credential for ${id}`);
    let issuing = this.#issuing.get(id);
    if (!issuing) {
      issuing = this.issuer.issue(identity).then((issued) => {
        this.#issuing.delete(id);
        if (!this.#credentials.has(id)) this.#credentials.set(id, issued);
        return this.#credentials.get(id)!;
      });
      this.#issuing.set(id, issuing);
    }
    return issuing;
  }

  trustBundlePem(): string {
    return this.#bundlePem;
  }
}
