/**
 * Terse builders for the authz tests: policies written the way a manifest
 * says them (only the fields set), requests from a few overrides.
 */
import type { AuthorizationOperation, AuthorizationPolicy, AuthorizationRule, AuthorizationSource } from '../../../model/policy-types.js';
import type { AuthzRequest } from '../authz-request.js';

export interface RuleSpec {
  from?: Partial<AuthorizationSource>[];
  to?: Partial<AuthorizationOperation>[];
  when?: { key: string; values?: string[]; notValues?: string[] }[];
}

const source = (partial: Partial<AuthorizationSource>): AuthorizationSource => ({
  principals: [], notPrincipals: [], namespaces: [], notNamespaces: [], ipBlocks: [], notIpBlocks: [], remoteIpBlocks: [], notRemoteIpBlocks: [], ...partial,
});

const operation = (partial: Partial<AuthorizationOperation>): AuthorizationOperation => ({
  ports: [], notPorts: [], methods: [], notMethods: [], paths: [], notPaths: [], hosts: [], notHosts: [], ...partial,
});

export function rule(spec: RuleSpec): AuthorizationRule {
  return {
    from: (spec.from ?? []).map(source),
    to: (spec.to ?? []).map(operation),
    when: (spec.when ?? []).map((condition) => ({ key: condition.key, values: condition.values ?? [], notValues: condition.notValues ?? [] })),
  };
}

/** `id` is 'namespace/name'. */
export function policy(id: string, action: AuthorizationPolicy['action'], rules: RuleSpec[], selector?: Record<string, string>): AuthorizationPolicy {
  const [namespace = '', name = ''] = id.split('/');
  return { namespace, name, action, rules: rules.map(rule), ...(selector ? { selector } : {}), source: { file: 'test.yaml', document: 0 } };
}

export const frontend = 'spiffe://cluster.local/ns/shop/sa/frontend';

export interface RequestSpec {
  principal?: string | null;
  namespace?: string | null;
  ip?: string;
  destinationIp?: string;
  port?: number;
  sni?: string;
  /** null: an opaque TCP connection */
  http?: Partial<NonNullable<AuthzRequest['http']>> | null;
}

/** By default an mTLS caller shop/frontend from 10.244.1.5 sending GET / to reviews on 9080. */
export function request(spec: RequestSpec = {}): AuthzRequest {
  const principal = spec.principal === null ? undefined : (spec.principal ?? frontend);
  const namespace = spec.namespace === null || spec.principal === null ? undefined : (spec.namespace ?? 'shop');
  return {
    source: { ip: spec.ip ?? '10.244.1.5', ...(principal ? { principal } : {}), ...(namespace ? { namespace } : {}) },
    destination: { ip: spec.destinationIp ?? '10.244.2.7', port: spec.port ?? 9080 },
    ...(spec.sni ? { sni: spec.sni } : {}),
    ...(spec.http === null ? {} : { http: { method: 'GET', path: '/', host: 'reviews', headers: {}, ...spec.http } }),
  };
}
