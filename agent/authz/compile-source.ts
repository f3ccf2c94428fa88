/**
 * `from[].source`: who calls. Principals are compared with the whole SPIFFE
 * ID (the model keeps them with `spiffe://`, patterns too unless they start
 * with `*`), namespaces with the caller's namespace; a plaintext caller has
 * neither. ipBlocks test the connection's source address, and so do
 * remoteIpBlocks: Weft trusts no X-Forwarded-For or PROXY header to name
 * another client. They stay separate fields, so both must hold when both are set.
 */
import type { AuthorizationSource } from '../../model/policy-types.js';
import { compileIpMatch } from './ip-match.js';
import { attributeParts, type RulePart } from './rule-part.js';
import { compileStringMatch } from './string-match.js';

export function compileSource(source: AuthorizationSource): RulePart[] {
  const match = (pattern: string) => compileStringMatch(pattern);
  return [
    ...attributeParts(source.principals, source.notPrincipals, match, (request) => request.source.principal),
    ...attributeParts(source.namespaces, source.notNamespaces, match, (request) => request.source.namespace),
    ...attributeParts(source.ipBlocks, source.notIpBlocks, compileIpMatch, (request) => request.source.ip),
    ...attributeParts(source.remoteIpBlocks, source.notRemoteIpBlocks, compileIpMatch, (request) => request.source.ip),
  ];
}
