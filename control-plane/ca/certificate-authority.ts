/**
 * Signs: workload certificates (the SPIFFE ID as the one URI SAN) and the
 * control plane's own serving certificate. Policy lives with the caller
 * (certificates-service.ts decides who gets which identity); this class only
 * makes certificates of the mesh's fixed shape:
 *
 * - workload: ECDSA P-256 key (from the CSR), empty subject and a critical
 *   SAN holding exactly `spiffe://<trust-domain>/ns/<ns>/sa/<sa>` (as SPIFFE
 *   X.509-SVIDs and Istio's are), keyUsage digitalSignature+keyEncipherment,
 *   extKeyUsage serverAuth+clientAuth, CA:FALSE;
 * - every certificate: random serial, notBefore one minute in the past (clock
 *   skew between nodes), notAfter never past the CA's own.
 */
import type { Logger } from '../../core/log.js';
import { parseSpiffeId, spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { x509 } from '../../core/x509.js';
import { type CaMaterial, type CaSigner, openCaMaterial } from './ca-material.js';
import { randomSerial } from './serial.js';

export const clockSkewMs = 60_000;

export interface CertificateAuthorityOptions {
  trustDomain: string;
  /** Lifetime of workload certificates (from now to notAfter). */
  workloadTtlMs: number;
  log: Logger;
}

export interface IssuedCertificate {
  /** The leaf first, then the CA's intermediates; one PEM certificate each. */
  certChainPem: string[];
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

export interface ServingNames {
  dns: string[];
  ips: string[];
}

export class CertificateAuthority {
  readonly #signer: CaSigner;
  readonly #options: CertificateAuthorityOptions;
  readonly #authorityKeyId: x509.AuthorityKeyIdentifierExtension;

  private constructor(signer: CaSigner, options: CertificateAuthorityOptions, authorityKeyId: x509.AuthorityKeyIdentifierExtension) {
    this.#signer = signer;
    this.#options = options;
    this.#authorityKeyId = authorityKeyId;
  }

  static async open(material: CaMaterial, options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    // The trust domain becomes part of every SAN: check it as a SPIFFE ID would be checked.
    parseSpiffeId(spiffeId({ trustDomain: options.trustDomain, namespace: 'ns', serviceAccount: 'sa' }));
    const signer = await openCaMaterial(material);
    const subjectKeyId = signer.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    const authorityKeyId = subjectKeyId
      ? new x509.AuthorityKeyIdentifierExtension(subjectKeyId.keyId)
      : await x509.AuthorityKeyIdentifierExtension.create(signer.certificate.publicKey);
    const ca = new CertificateAuthority(signer, options, authorityKeyId);
    options.log.info(
      {
        origin: signer.origin,
        subject: signer.certificate.subject,
        key: signer.key.description,
        notAfter: signer.certificate.notAfter.toISOString(),
        intermediates: signer.intermediates.map((c) => c.subject),
        roots: signer.roots.map((c) => c.subject),
        trustDomain: options.trustDomain,
        workloadTtlSeconds: options.workloadTtlMs / 1000,
      },
      'mesh CA ready',
    );
    return ca;
  }

  get trustDomain(): string {
    return this.#options.trustDomain;
  }

  get trustBundlePem(): string {
    return this.#signer.trustBundlePem;
  }

  get workloadTtlMs(): number {
    return this.#options.workloadTtlMs;
  }

  /** The CA certificate that signs, for logs and tests. */
  get signingCertificate(): x509.X509Certificate {
    return this.#signer.certificate;
  }

  /** A workload certificate for `identity` on `publicKey` (already checked: workload-csr.ts). */
  async signWorkload(publicKey: x509.PublicKey, identity: Omit<WorkloadIdentity, 'trustDomain'>): Promise<IssuedCertificate> {
    const uri = spiffeId({ ...identity, trustDomain: this.trustDomain });
    parseSpiffeId(uri, this.trustDomain);
    return this.#issue(publicKey, this.#options.workloadTtlMs, '', [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }], true),
    ]);
  }

  /** The control plane's TLS serving certificate, for its DNS names and IPs. */
  async issueServing(publicKey: x509.PublicKeyType, names: ServingNames, ttlMs: number): Promise<IssuedCertificate> {
    const key = await x509.PublicKey.create(publicKey);
    return this.#issue(key, ttlMs, [{ CN: [names.dns[0] ?? names.ips[0] ?? 'weft-control-plane'] }], [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ]);
  }

  async #issue(publicKey: x509.PublicKey, ttlMs: number, subject: x509.X509CertificateCreateParamsName, extensions: x509.Extension[]): Promise<IssuedCertificate> {
    const now = Date.now();
    const notBefore = new Date(now - clockSkewMs);
    let notAfter = new Date(now + ttlMs);
    const caNotAfter = this.#signer.certificate.notAfter;
    if (notAfter > caNotAfter) {
      this.#options.log.warn({ caNotAfter: caNotAfter.toISOString() }, 'the CA certificate expires before a full certificate lifetime; issuing a shorter one');
      notAfter = caNotAfter;
    }
    const serial = randomSerial();
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.#signer.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.#signer.key.key,
      signingAlgorithm: this.#signer.key.algorithm,
      extensions: [...extensions, this.#authorityKeyId, await x509.SubjectKeyIdentifierExtension.create(publicKey)],
    });
    const chain = [leaf, ...(this.#signer.signsAsRoot ? [] : [this.#signer.certificate]), ...this.#signer.intermediates];
    // The certificate's own dates: X.509 keeps whole seconds.
    return { certChainPem: chain.map((c) => `${c.toString('pem').trim()}\n`), notBefore: leaf.notBefore, notAfter: leaf.notAfter, serial };
  }
}
