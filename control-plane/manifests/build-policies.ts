/**
 * Valid AuthorizationPolicy and PeerAuthentication manifests -> model
 * policies: lists defaulted to empty, ports as numbers, principals as SPIFFE
 * IDs (principal.ts), an empty selector the same as none.
 */
import type { ManifestObject } from './manifest-object.js';
import type { AuthorizationPolicy, MtlsMode, PeerAuthentication } from '../../model/policy-types.js';
import { normalizePrincipal } from '../../model/principal.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';

function toSelector(matchLabels: Record<string, string> | undefined): Record<string, string> | undefined {
  return matchLabels && Object.keys(matchLabels).length > 0 ? { ...matchLabels } : undefined;
}

/** policy-checks.ts refuses CUSTOM, and a document with an error is never built. */
function toAction(action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM' | undefined): AuthorizationPolicy['action'] {
  if (action === 'CUSTOM') throw new Error('CUSTOM AuthorizationPolicy reached the builder; policy-checks.ts refuses it');
  return action ?? 'ALLOW';
}

const list = (values: string[] | undefined) => [...(values ?? [])];
const ports = (values: string[] | undefined) => (values ?? []).map(Number);

export function toAuthorizationPolicy({ manifest, source }: Extract<ManifestObject, { kind: 'AuthorizationPolicy' }>): AuthorizationPolicy {
  const spec = manifest.spec ?? {};
  const selector = toSelector(spec.selector?.matchLabels);
  return {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? DEFAULT_NAMESPACE,
    ...(selector ? { selector } : {}),
    action: toAction(spec.action),
    rules: (spec.rules ?? []).map((rule) => ({
      from: (rule.from ?? []).map(({ source: peer }) => ({
        principals: list(peer.principals).map(normalizePrincipal),
        notPrincipals: list(peer.notPrincipals).map(normalizePrincipal),
        namespaces: list(peer.namespaces),
        notNamespaces: list(peer.notNamespaces),
        ipBlocks: list(peer.ipBlocks),
        notIpBlocks: list(peer.notIpBlocks),
        remoteIpBlocks: list(peer.remoteIpBlocks),
        notRemoteIpBlocks: list(peer.notRemoteIpBlocks),
      })),
      to: (rule.to ?? []).map(({ operation }) => ({
        ports: ports(operation.ports),
        notPorts: ports(operation.notPorts),
        methods: list(operation.methods),
        notMethods: list(operation.notMethods),
        paths: list(operation.paths),
        notPaths: list(operation.notPaths),
        hosts: list(operation.hosts),
        notHosts: list(operation.notHosts),
      })),
      when: (rule.when ?? []).map((condition) => ({
        key: condition.key,
        values: list(condition.values),
        notValues: list(condition.notValues),
      })),
    })),
    source,
  };
}

export function toPeerAuthentication({ manifest, source }: Extract<ManifestObject, { kind: 'PeerAuthentication' }>): PeerAuthentication {
  const spec = manifest.spec ?? {};
  const selector = toSelector(spec.selector?.matchLabels);
  return {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? DEFAULT_NAMESPACE,
    ...(selector ? { selector } : {}),
    mode: spec.mtls?.mode ?? 'UNSET',
    portLevelMtls: Object.entries(spec.portLevelMtls ?? {})
      .map(([port, mtls]) => ({ port: Number(port), mode: (mtls.mode ?? 'UNSET') as MtlsMode }))
      .sort((a, b) => a.port - b.port),
    source,
  };
}
