/** `v1 Namespace`: read for its labels (`weft.dev/mesh`). */
import { type Static, Type } from '@sinclair/typebox';
import { ClusterMetadata, DnsLabel, IgnoredStatus } from './common.js';

export const NamespaceSchema = Type.Object(
  {
    apiVersion: Type.Literal('v1'),
    kind: Type.Literal('Namespace'),
    metadata: ClusterMetadata(DnsLabel),
    spec: Type.Optional(
      Type.Object({ finalizers: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
    ),
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type NamespaceManifest = Static<typeof NamespaceSchema>;
