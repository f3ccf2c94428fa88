/**
 * `to[].operation`: what is called. Ports test the destination port and
 * work on any connection; methods, paths and hosts need HTTP. Methods are
 * case-sensitive and paths exact in case (Envoy's :method and path
 * matchers); hosts are compared without case over the whole Host value, so
 * `svc` does not match `svc:8080` unless `svc:*` is written too (Istio's
 * advice). All three take Istio's `*` patterns.
 */
import type { AuthorizationOperation } from '../../model/policy-types.js';
import { attributeParts, type RulePart } from './rule-part.js';
import { compileStringMatch } from './string-match.js';

const exactPort = (port: number) => (value: number | undefined) => value === port;

export function compileOperation(operation: AuthorizationOperation): RulePart[] {
  const match = (pattern: string) => compileStringMatch(pattern);
  const host = (pattern: string) => compileStringMatch(pattern, { ignoreCase: true });
  return [
    ...attributeParts(operation.ports, operation.notPorts, exactPort, (request) => request.destination.port),
    ...attributeParts(operation.methods, operation.notMethods, match, (request) => request.http?.method, true),
    ...attributeParts(operation.paths, operation.notPaths, match, (request) => request.http?.path, true),
    ...attributeParts(operation.hosts, operation.notHosts, host, (request) => request.http?.host, true),
  ];
}
