/**
 * Certificate + trust bundle -> TLS SecureContext, for both ends of the
 * tunnel. The provider may rotate a credential (or the bundle) at any
 * moment; every handshake asks for the current one, and a changed one builds
 * a new context, so new handshakes use it while sessions already up keep the
 * one they were made with.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { spiffeId, type CertificateProvider, type Credential, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { tlsVersions } from './hbone.js';

export interface IdentityContext {
  context: SecureContext;
  credential: Credential;
}

/** Contexts of identities no longer asked for are dropped past this many. */
const maxCached = 1024;

export class TlsContexts {
  readonly #byIdentity = new Map<string, IdentityContext & { bundle: string }>();
  #bundleOnly: { bundle: string; context: SecureContext } | undefined;

  constructor(private readonly certificates: CertificateProvider) {}

  get trustDomain(): string {
    return this.certificates.trustDomain;
  }

  /** The context that presents the identity's current certificate and verifies peers against the current bundle. */
  async forIdentity(identity: WorkloadIdentity): Promise<IdentityContext> {
    const credential = await this.certificates.credential(identity);
    const bundle = this.certificates.trustBundlePem();
    const key = spiffeId(identity);
    const cached = this.#byIdentity.get(key);
    if (cached && cached.bundle === bundle && sameMaterial(cached.credential, credential)) return cached;
    const entry = {
      credential,
      bundle,
      context: createSecureContext({ cert: credential.certChainPem, key: credential.keyPem, ca: bundle, ...tlsVersions }),
    };
    this.#byIdentity.delete(key);
    if (this.#byIdentity.size >= maxCached) this.#byIdentity.delete(this.#byIdentity.keys().next().value!);
    this.#byIdentity.set(key, entry);
    return entry;
  }

  /** No certificate, only the bundle: a server's default before it knows which identity to present. */
  bundleOnly(): SecureContext {
    const bundle = this.certificates.trustBundlePem();
    if (this.#bundleOnly?.bundle !== bundle) {
      this.#bundleOnly = { bundle, context: createSecureContext({ ca: bundle, ...tlsVersions }) };
    }
    return this.#bundleOnly.context;
  }
}

function sameMaterial(a: Credential, b: Credential): boolean {
  return a === b || (a.certChainPem === b.certChainPem && a.keyPem === b.keyPem);
}
