/**
 * One GRPCRouteMatch compiled: a test and its precedence key, the GRPCRoute
 * spec's criteria in order (its hostname criteria do not apply in a mesh,
 * GEP-1294): the most characters in a matching service, then in a matching
 * method, then the most header matches. The spec counts characters of
 * Exact names; for a RegularExpression, whose place it leaves to
 * implementations, Weft ranks it after any Exact name and before no name,
 * longer patterns first, as for HTTPRoute paths.
 *
 * The gRPC path is `/<service>/<method>`; a request whose path is not of
 * that form matches no method match (header-only matches still apply).
 */
import { compileRouteRegex } from '../../model/route-regex.js';
import type { GrpcMethodMatch, GrpcRouteMatch } from '../../model/route-types.js';
import { compileHeaderMatches, headerValue } from './header-match.js';
import type { RequestView } from './request-view.js';
import type { PrecedenceKey } from './route-precedence.js';

export interface GrpcMethod {
  service: string;
  method: string;
}

/** `/pkg.Service/Method` -> its two names; undefined for any other path. */
export function grpcMethodOf(path: string): GrpcMethod | undefined {
  const parts = path.split('/');
  if (parts.length !== 3 || parts[0] !== '' || !parts[1] || !parts[2]) return undefined;
  return { service: parts[1], method: parts[2] };
}

/** A request being matched: its gRPC method is split out once. */
export class GrpcMatchInput {
  readonly method: GrpcMethod | undefined;

  constructor(readonly view: RequestView) {
    this.method = grpcMethodOf(view.path);
  }
}

export interface CompiledGrpcMatch {
  key: PrecedenceKey;
  test(input: GrpcMatchInput): boolean;
}

const EXACT = 2;
const REGULAR_EXPRESSION = 1;
const ABSENT = 0;

function nameTest(type: GrpcMethodMatch['type'], value: string | undefined): { rank: number; length: number; test: (name: string) => boolean } {
  if (value === undefined) return { rank: ABSENT, length: 0, test: () => true };
  if (type === 'Exact') return { rank: EXACT, length: value.length, test: (name) => name === value };
  const regex = compileRouteRegex(value);
  return { rank: REGULAR_EXPRESSION, length: value.length, test: (name) => regex.test(name) };
}

/** `match` undefined: a rule without matches, which matches every request. */
export function compileGrpcMatch(match: GrpcRouteMatch | undefined): CompiledGrpcMatch {
  const method = match?.method;
  const headers = compileHeaderMatches(match?.headers ?? []);
  const service = nameTest(method?.type ?? 'Exact', method?.service);
  const name = nameTest(method?.type ?? 'Exact', method?.method);
  return {
    key: [service.rank, service.length, name.rank, name.length, headers.length],
    test: (input) =>
      (method === undefined || (input.method !== undefined && service.test(input.method.service) && name.test(input.method.method))) &&
      headers.every((header) => header.test(headerValue(input.view.headers, header.name))),
  };
}
