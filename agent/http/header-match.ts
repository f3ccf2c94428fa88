/**
 * HTTPHeaderMatch, GRPCHeaderMatch and HTTPQueryParamMatch compiled once:
 * Exact compares the whole value with case, RegularExpression matches the
 * whole value (model/route-regex.ts). Header names are case-insensitive,
 * query parameter names exact; of two entries naming the same header (or
 * parameter), only the first counts, as the spec says, and so only the
 * first counts towards "largest number of header matches" too.
 */
import type { HeaderMatch } from '../../model/route-types.js';
import { compileRouteRegex } from '../../model/route-regex.js';

export interface CompiledValueMatch {
  name: string;
  /** undefined: the request does not have it. */
  test(value: string | undefined): boolean;
}

function valueTest(match: HeaderMatch): (value: string | undefined) => boolean {
  if (match.type === 'Exact') return (value) => value === match.value;
  const regex = compileRouteRegex(match.value);
  return (value) => value !== undefined && regex.test(value);
}

function firstByName(matches: readonly HeaderMatch[], key: (name: string) => string): CompiledValueMatch[] {
  const seen = new Set<string>();
  const compiled: CompiledValueMatch[] = [];
  for (const match of matches) {
    const name = key(match.name);
    if (seen.has(name)) continue;
    seen.add(name);
    compiled.push({ name, test: valueTest(match) });
  }
  return compiled;
}

export function compileHeaderMatches(matches: readonly HeaderMatch[]): CompiledValueMatch[] {
  return firstByName(matches, (name) => name.toLowerCase());
}

export function compileQueryParamMatches(matches: readonly HeaderMatch[]): CompiledValueMatch[] {
  return firstByName(matches, (name) => name);
}

/**
 * A header sent more than once is matched as one value, its values joined
 * with ',' (RFC 9110 5.3, and what Envoy matches), so `x: a` + `x: b` is `a,b`.
 */
export function headerValue(headers: Readonly<Record<string, readonly string[] | undefined>>, name: string): string | undefined {
  const values = headers[name];
  return values === undefined || values.length === 0 ? undefined : values.join(',');
}
