/**
 * `when[]` conditions. The keys are model/authorization-keys.ts's; values
 * are CIDRs for the IP keys, port numbers for destination.port and Istio
 * string patterns otherwise. `values` and `notValues` must both hold when
 * both are given.
 */
import type { AuthorizationCondition } from '../../model/policy-types.js';
import { normalizePrincipal } from '../../model/principal.js';
import type { AuthzRequest } from './authz-request.js';
import { compileIpMatch } from './ip-match.js';
import { attributeParts, type RulePart, type RuleSide } from './rule-part.js';
import { compileAnyOf, compileStringMatch, type ValueTest } from './string-match.js';

const headerKey = /^request\.headers\[(.+)\]$/;

const match = (pattern: string) => compileStringMatch(pattern);
const exactPort = (written: string) => (value: number | undefined) => value === Number(written);

/**
 * A header may come more than once, and an attacker who adds a second
 * `x-user: admin` must not get past a rule written for one value. So the
 * side decides: a DENY (or AUDIT) condition matches when ANY value could
 * make it match (`values`: some value is listed; `notValues`: some value is
 * outside the list, or there is none), an ALLOW condition only when EVERY
 * value does (`values`: there are values and all are listed; `notValues`:
 * none is in the list). A repeated header can then only make DENY more
 * likely and ALLOW less. Envoy instead joins the values with ',' into one
 * string, which a pattern may or may not see through.
 */
function headerPart(name: string, values: readonly string[], notValues: readonly string[], side: RuleSide): RulePart {
  const listed: ValueTest | undefined = values.length > 0 ? compileAnyOf(values) : undefined;
  const excluded: ValueTest | undefined = notValues.length > 0 ? compileAnyOf(notValues) : undefined;
  const read = (request: AuthzRequest): readonly string[] => request.http?.headers[name] ?? [];
  const test =
    side === 'deny'
      ? (request: AuthzRequest) => {
          const got = read(request);
          return (!listed || got.some(listed)) && (!excluded || got.length === 0 || got.some((value) => !excluded(value)));
        }
      : (request: AuthzRequest) => {
          const got = read(request);
          return (!listed || (got.length > 0 && got.every(listed))) && (!excluded || !got.some(excluded));
        };
  return { httpOnly: true, test };
}

export function compileCondition(condition: AuthorizationCondition, side: RuleSide): RulePart[] {
  const { key, values, notValues } = condition;
  switch (key) {
    case 'source.ip':
    case 'remote.ip': // no proxy in front of Weft's: the remote address is the peer's
      return attributeParts(values, notValues, compileIpMatch, (request) => request.source.ip);
    case 'destination.ip':
      return attributeParts(values, notValues, compileIpMatch, (request) => request.destination.ip);
    case 'destination.port':
      return attributeParts(values, notValues, exactPort, (request) => request.destination.port);
    case 'source.namespace':
      return attributeParts(values, notValues, match, (request) => request.source.namespace);
    case 'source.principal':
      // Istio writes these without the scheme, as in `principals`.
      return attributeParts(values.map(normalizePrincipal), notValues.map(normalizePrincipal), match, (request) => request.source.principal);
    case 'connection.sni':
      // The destination proxy reads no TLS ClientHello, so the server name may be unknown: then a DENY
      // condition on it holds and an ALLOW one does not. Never fail open on what cannot be read.
      return attributeParts(values, notValues, match, (request) => request.sni).map((part) => ({
        httpOnly: false,
        test: (request: AuthzRequest) => (request.sni === undefined ? side === 'deny' : part.test(request)),
      }));
  }
  const header = headerKey.exec(key)?.[1];
  if (header !== undefined) return [headerPart(header.toLowerCase(), values, notValues, side)];
  // Validation refuses other keys; if one gets here, fail closed either way.
  return [{ httpOnly: false, test: () => side === 'deny' }];
}
