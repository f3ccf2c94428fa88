/**
 * Workload identity: the SPIFFE ID of a Kubernetes service account,
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`. Parsing is
 * strict on purpose: a peer certificate's URI SAN is authorization input, so
 * anything that is not exactly this shape (other schemes, percent-encoding,
 * dot segments, empty or extra segments, another trust domain) is refused.
 */
import { WeftError } from './errors.js';

export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

export class SpiffeIdError extends WeftError {
  constructor(readonly uri: string, reason: string) {
    super('WEFT_ERR_SPIFFE_ID', `not an acceptable SPIFFE ID '${uri}': ${reason}`);
  }
}

/** Kubernetes names: DNS-1123 labels and subdomains; nothing needing escapes. */
const segment = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const trustDomainPattern = /^[a-z0-9]([a-z0-9._-]{0,253}[a-z0-9])?$/;

export function spiffeId(identity: WorkloadIdentity): string {
  return `spiffe://${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

export function parseSpiffeId(uri: string, expectedTrustDomain?: string): WorkloadIdentity {
  const prefix = 'spiffe://';
  if (!uri.startsWith(prefix)) throw new SpiffeIdError(uri, 'the scheme must be spiffe://');
  const rest = uri.slice(prefix.length);
  if (/[%?#@:\s\\]/.test(rest)) throw new SpiffeIdError(uri, 'percent-encoding, query, fragment, userinfo, port and whitespace are not allowed');
  const parts = rest.split('/');
  if (parts.length !== 5) throw new SpiffeIdError(uri, 'expected exactly <trust-domain>/ns/<namespace>/sa/<service-account>');
  const [trustDomain, ns, namespace, sa, serviceAccount] = parts as [string, string, string, string, string];
  if (!trustDomainPattern.test(trustDomain)) throw new SpiffeIdError(uri, `bad trust domain '${trustDomain}'`);
  if (ns !== 'ns' || sa !== 'sa') throw new SpiffeIdError(uri, 'path must be /ns/<namespace>/sa/<service-account>');
  for (const value of [namespace, serviceAccount]) {
    if (value === '.' || value === '..' || !segment.test(value) || value.includes('..')) {
      throw new SpiffeIdError(uri, `bad path segment '${value}'`);
    }
  }
  if (expectedTrustDomain !== undefined && trustDomain !== expectedTrustDomain) {
    throw new SpiffeIdError(uri, `trust domain '${trustDomain}' is not '${expectedTrustDomain}'`);
  }
  return { trustDomain, namespace, serviceAccount };
}

/** A workload's key and certificate, as the proxy uses them for TLS. */
export interface Credential {
  identity: WorkloadIdentity;
  /** PEM: the leaf first, then intermediates up to (not including) the root */
  certChainPem: string;
  /** PEM PKCS#8; generated on this node and never sent anywhere */
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** What the proxy asks for TLS material; implemented by the identity manager. */
export interface CertificateProvider {
  /** A valid, unexpired credential for the identity (fetched or renewed as needed); rejects rather than return an expired one. */
  credential(identity: WorkloadIdentity): Promise<Credential>;
  /** PEM roots every peer chain must verify against. */
  trustBundlePem(): string;
  trustDomain: string;
}
