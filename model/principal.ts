/**
 * Peer identities in AuthorizationPolicy: SPIFFE IDs of workloads,
 * `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, or Istio's
 * patterns over them: `*` (any authenticated peer), `prefix*` and `*suffix`.
 * Istio writes principals without the scheme (`cluster.local/ns/a/sa/b`);
 * those are accepted and given it, so that Istio policies port unchanged
 * and the proxy compares with the certificate's URI SAN as is.
 */
const spiffeId = /^spiffe:\/\/[a-z0-9.-]+\/ns\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/sa\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The principal as the model keeps it: with `spiffe://` unless it starts with a wildcard. */
export function normalizePrincipal(principal: string): string {
  if (principal.startsWith('*') || principal.startsWith('spiffe://')) return principal;
  return `spiffe://${principal}`;
}

/** Why `principal` (as written) can never match a workload identity, if it cannot. */
export function principalProblem(principal: string): string | undefined {
  const shape = 'must be spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>, "*", or a prefix* or *suffix of one';
  if (principal === '*') return undefined;
  if (/\s/.test(principal)) return `${shape} (got ${JSON.stringify(principal)}: no spaces)`;
  const normalized = normalizePrincipal(principal);
  const stars = [...normalized].filter((char) => char === '*').length;
  if (stars === 0) return spiffeId.test(normalized) ? undefined : `${shape} (got ${JSON.stringify(principal)})`;
  const prefix = normalized.endsWith('*') && !normalized.startsWith('*');
  const suffix = normalized.startsWith('*') && !normalized.endsWith('*');
  if (stars > 1 || (!prefix && !suffix)) return `${shape}; "*" may appear once, at the start or the end (got ${JSON.stringify(principal)})`;
  return undefined;
}
