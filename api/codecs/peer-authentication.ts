/**
 * PeerAuthentication on the wire (proto/weft/v1/mesh-policy.proto): the
 * selector sorted on the way out; modes and ports checked on the way in.
 */
import type {
  PeerAuthentication as PeerAuthenticationProto,
  PeerAuthentication__Output,
} from '../../proto/generated/weft/v1/PeerAuthentication.js';
import type { MtlsMode, PeerAuthentication, SourceRef } from '../../model/types.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import { namespaced, selectorFromProto, sorted, WIRE_SOURCE } from './wire-values.js';

const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const satisfies readonly MtlsMode[];

export function peerAuthenticationToProto(policy: PeerAuthentication): PeerAuthenticationProto {
  return {
    name: policy.name,
    namespace: policy.namespace,
    selector: sorted(policy.selector ?? {}),
    mode: policy.mode,
    portLevelMtls: policy.portLevelMtls.map(({ port, mode }) => ({ port, mode })),
  };
}

export function peerAuthenticationFromProto(body: PeerAuthentication__Output, source: SourceRef = WIRE_SOURCE): PeerAuthentication {
  return {
    name: check.dnsSubdomain(body.name, 'name'),
    namespace: check.dnsLabel(body.namespace, 'namespace'),
    ...selectorFromProto(body.selector, 'selector'),
    mode: check.oneOf(MTLS_MODES, body.mode, 'mode'),
    portLevelMtls: body.portLevelMtls.map((entry, index) => ({
      port: check.port(entry.port, `portLevelMtls[${index}].port`),
      mode: check.oneOf(MTLS_MODES, entry.mode, `portLevelMtls[${index}].mode`),
    })),
    source,
  };
}

export const peerAuthenticationKind: ResourceKind<'peerAuthentications', PeerAuthenticationProto, PeerAuthentication__Output> = {
  kind: 'PeerAuthentication',
  field: 'peerAuthentication',
  configKey: 'peerAuthentications',
  key: namespaced,
  toProto: peerAuthenticationToProto,
  fromProto: (body, name) => peerAuthenticationFromProto(body, resourceSource(name)),
};
