/**
 * `from[].source`: who calls. Principals are compared with the whole SPIFFE
 * ID (the model keeps them with `spiffe://`, patterns too unless they start
 * with `*`), namespaces with the caller's namespace; a plaintext caller has
 * neither. ipBlocks test the connection's source address.
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
  ];
}
