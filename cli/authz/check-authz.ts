/**
 * The dry run itself: one AuthzRequest per endpoint, decided by the data
 * plane's own Authorizer over the config's policies, with what the answer
 * rests on (deciding policy and rule, audits, the path as normalised).
 */
import type { AuthzRequest } from '../../agent/authz/authz-request.js';
import type { Authorizer } from '../../agent/authz/authorizer.js';
import { ProxyState } from '../../agent/state/proxy-state.js';
import type { AuthzMatch } from '../../agent/authz/decision.js';
import type { Endpoint } from '../../agent/state/destination.js';
import type { MeshConfig } from '../../model/types.js';
import type { ParsedFlags } from './check-flags.js';
import { buildHttp, readsHttp, type BuiltHttp } from './check-request.js';
import { resolveSource, resolveTargets, type CheckSource } from './resolve-check.js';

export interface CheckResult {
  destination: { workload: string; ip: string; port: number };
  allowed: boolean;
  reason: string;
  policy?: string;
  action?: 'ALLOW' | 'DENY';
  rule?: number;
  audits: AuthzMatch[];
  http?: { method: string; path: string; host: string };
  /** 400 when the request is refused before authorization (its path does not normalise). */
  status?: 400;
  note?: string;
}

function baseRequest(source: CheckSource, endpoint: Endpoint, sni: string | undefined): AuthzRequest {
  const request: AuthzRequest = { source: { ip: source.ip }, destination: { ip: endpoint.ip, port: endpoint.port } };
  if (source.principal !== undefined) request.source.principal = source.principal;
  if (source.namespace !== undefined) request.source.namespace = source.namespace;
  if (sni !== undefined) request.sni = sni;
  return request;
}

function decideOne(authorizer: Authorizer, endpoint: Endpoint, request: AuthzRequest, built: BuiltHttp | undefined, notes: string[]): CheckResult {
  const { workload } = endpoint;
  const destination = { workload: `${workload.namespace}/${workload.name}`, ip: endpoint.ip, port: endpoint.port };
  const withNotes = (result: CheckResult, extra: string[] = []): CheckResult => {
    const all = [...notes, ...extra];
    return all.length > 0 ? { ...result, note: all.join('; ') } : result;
  };
  if (built && !built.ok) return withNotes({ destination, allowed: false, reason: `400 bad request before authorization: ${built.reason}`, status: 400, audits: [] });
  const http = built?.http;
  const shown = http && { method: http.method, path: http.path, host: http.host };
  if (!workload.mesh) {
    // No proxy stands in front of an unmeshed workload, so nothing authorizes what reaches it.
    return withNotes({ destination, allowed: true, reason: 'the destination is not in the mesh', audits: [], ...(shown ? { http: shown } : {}) }, [
      `${destination.workload} is not in the mesh: its policies are not enforced`,
    ]);
  }
  const decision = authorizer.forWorkload(workload).decide(http ? { ...request, http } : request);
  // Spelled out so the JSON keys come in the documented order.
  const result: CheckResult = { destination, allowed: decision.allowed, reason: decision.reason, audits: [] };
  if (decision.policy !== undefined) result.policy = decision.policy;
  if (decision.action !== undefined) result.action = decision.action;
  if (decision.rule !== undefined) result.rule = decision.rule;
  result.audits = decision.audits;
  if (shown) result.http = shown;
  return withNotes(result);
}

/** One result per endpoint, in the Service's endpoint order; empty when a Service has none. */
export function checkAuthz(config: MeshConfig, flags: ParsedFlags): CheckResult[] {
  const source = resolveSource(config, flags);
  const targets = resolveTargets(config, flags);
  // The destination proxy's own view: a pod port some Service declares TCP (or a server-first port) is never parsed.
  const state = new ProxyState();
  state.update(config, new Map());
  const authorizer = state.authorizer;
  return targets.endpoints.map((endpoint) => {
    const protocol = state.opaquePodPort(endpoint.ip, endpoint.port) ? 'tcp' : targets.protocol;
    const choice = readsHttp(protocol, flags.httpGiven);
    const built = choice.http ? buildHttp(flags.http, flags.pathNormalization, protocol) : undefined;
    const notes = [source.note, choice.note].filter((note): note is string => note !== undefined);
    return decideOne(authorizer, endpoint, baseRequest(source, endpoint, flags.sni), built, notes);
  });
}
