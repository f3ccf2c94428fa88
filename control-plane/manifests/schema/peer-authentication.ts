/**
 * `weft.dev/v1alpha1 PeerAuthentication`: Istio's, for the mTLS mode a
 * workload accepts, with per-port overrides. portLevelMtls is a map keyed
 * by port number, as in Istio; its keys are checked in policy-checks.ts.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IgnoredStatus, NamespacedMetadata, StringEnum, StringMap, WorkloadSelector } from './common.js';

export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;

export const MtlsSchema = Type.Object(
  { mode: Type.Optional(StringEnum(MTLS_MODES, { default: 'UNSET' })) },
  { additionalProperties: false },
);

export const PeerAuthenticationSpecSchema = Type.Object(
  {
    selector: Type.Optional(WorkloadSelector),
    mtls: Type.Optional(MtlsSchema),
    portLevelMtls: Type.Optional(StringMap(MtlsSchema, { description: 'port number -> { mode }' })),
  },
  { additionalProperties: false, default: {} },
);

export const PeerAuthenticationSchema = Type.Object(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('PeerAuthentication'),
    metadata: NamespacedMetadata(),
    spec: Type.Optional(PeerAuthenticationSpecSchema),
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type PeerAuthenticationManifest = Static<typeof PeerAuthenticationSchema>;
