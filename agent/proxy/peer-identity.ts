/**
 * Who the other end of a tunnel is, from its verified leaf certificate.
 * Chain, validity and CA are TLS's job (a foreign CA or an expired leaf
 * never gets this far); this adds what TLS cannot know: the leaf names
 * exactly one URI SAN, that URI is a strict SPIFFE ID of our trust domain,
 * and, for the client, it is the identity it meant to reach.
 */
import { parseSpiffeId, spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { x509 } from '../../core/x509.js';
import { PeerIdentityError } from './tunnel-errors.js';

export function peerIdentity(leafDer: Buffer | undefined, trustDomain: string): WorkloadIdentity {
  if (!leafDer || leafDer.length === 0) throw new PeerIdentityError('the peer presented no certificate');
  let leaf: x509.X509Certificate;
  try {
    leaf = new x509.X509Certificate(new Uint8Array(leafDer));
  } catch (error) {
    throw new PeerIdentityError('the peer certificate does not parse', { cause: error });
  }
  const extensions = leaf.getExtensions(x509.SubjectAlternativeNameExtension);
  const uris = extensions.flatMap((extension) => extension.names.items.filter((name) => name.type === 'url'));
  if (extensions.length !== 1 || uris.length !== 1) {
    throw new PeerIdentityError(`the peer certificate must name exactly one URI SAN, it names ${uris.length}`);
  }
  try {
    return parseSpiffeId(uris[0]!.value, trustDomain);
  } catch (error) {
    throw new PeerIdentityError(`the peer certificate's URI SAN is refused: ${(error as Error).message}`, { cause: error });
  }
}

export function sameIdentity(a: WorkloadIdentity, b: WorkloadIdentity): boolean {
  return spiffeId(a) === spiffeId(b);
}

/** The client's check of the server: a valid SPIFFE ID, and the destination's. */
export function expectPeerIdentity(leafDer: Buffer | undefined, expected: WorkloadIdentity): WorkloadIdentity {
  const actual = peerIdentity(leafDer, expected.trustDomain);
  if (!sameIdentity(actual, expected)) {
    throw new PeerIdentityError(`the peer is ${spiffeId(actual)}, not the destination's ${spiffeId(expected)}`);
  }
  return actual;
}

/** The identity a workload's certificate carries: its service account in our trust domain. */
export function workloadIdentity(workload: { namespace: string; serviceAccount: string }, trustDomain: string): WorkloadIdentity {
  return { trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount };
}
