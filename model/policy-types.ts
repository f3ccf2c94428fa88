/**
 * AuthorizationPolicy and PeerAuthentication in the config model, with
 * Istio's semantics: see schema/authorization-policy.ts for how fields
 * combine. Lists are never undefined (empty means "not constrained"), a
 * selector is undefined when the policy covers a whole namespace (or, in
 * the root namespace, the mesh), and principals are full SPIFFE IDs or
 * wildcard patterns over them.
 */
import type { SourceRef } from './types.js';

/** Policies here without a selector apply to every workload in the mesh. */
export const MESH_ROOT_NAMESPACE = 'weft-system';

export type PolicyScope = 'workload' | 'namespace' | 'mesh';

export interface AuthorizationSource {
  principals: string[];
  notPrincipals: string[];
  namespaces: string[];
  notNamespaces: string[];
  ipBlocks: string[];
  notIpBlocks: string[];
  /** The same address as ipBlocks (Weft trusts no X-Forwarded-For or PROXY header), ANDed with it as a field of its own. */
  remoteIpBlocks: string[];
  notRemoteIpBlocks: string[];
}

export interface AuthorizationOperation {
  ports: number[];
  notPorts: number[];
  methods: string[];
  notMethods: string[];
  paths: string[];
  notPaths: string[];
  hosts: string[];
  notHosts: string[];
}

/** key is one of authorization-keys.ts; at least one of values and notValues is non-empty. */
export interface AuthorizationCondition {
  key: string;
  values: string[];
  notValues: string[];
}

/** A request matches when it matches any of `from` (or it is empty), any of `to`, and all of `when`. */
export interface AuthorizationRule {
  from: AuthorizationSource[];
  to: AuthorizationOperation[];
  when: AuthorizationCondition[];
}

export interface AuthorizationPolicy {
  name: string;
  namespace: string;
  selector?: Record<string, string>;
  action: 'ALLOW' | 'DENY' | 'AUDIT';
  /** ALLOW with no rules allows nothing (Istio's deny-all); validation refuses DENY and AUDIT without rules. */
  rules: AuthorizationRule[];
  source: SourceRef;
}

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthentication {
  name: string;
  namespace: string;
  selector?: Record<string, string>;
  /** UNSET inherits from the namespace, then the mesh; the mesh's UNSET is PERMISSIVE. */
  mode: MtlsMode;
  /** Sorted by port. */
  portLevelMtls: Array<{ port: number; mode: MtlsMode }>;
  source: SourceRef;
}

export function policyScope(policy: { namespace: string; selector?: Record<string, string> }): PolicyScope {
  if (policy.selector !== undefined) return 'workload';
  return policy.namespace === MESH_ROOT_NAMESPACE ? 'mesh' : 'namespace';
}
