/** `v1 Service`: the subset the mesh reads, a ClusterIP Service with TCP ports. */
import { type Static, Type } from '@sinclair/typebox';
import { DnsLabel, IgnoredStatus, Ipv4, Labels, NamespacedMetadata, Port } from './common.js';

export { ServiceName } from '../../../model/value-schemas.js';
import { ServiceName } from '../../../model/value-schemas.js';

export const ServicePortSchema = Type.Object(
  {
    /** IANA service name rules: a DNS label of at most 15 characters. */
    name: Type.Optional(Type.String({ ...DnsLabel, maxLength: 15 })),
    port: Port,
    targetPort: Type.Optional(
      Type.Integer({ ...Port, description: 'the workload port, a number (named ports are not supported); defaults to port' }),
    ),
    protocol: Type.Optional(Type.Literal('TCP', { default: 'TCP', description: 'only TCP is meshed' })),
    appProtocol: Type.Optional(Type.String({ minLength: 1, description: 'http, http2 or grpc turn on the L7 path' })),
  },
  { additionalProperties: false },
);

export const ServiceSpecSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('ClusterIP', { description: 'only ClusterIP Services are meshed' })),
    clusterIP: Ipv4,
    selector: Type.Optional(Labels),
    ports: Type.Array(ServicePortSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const ServiceSchema = Type.Object(
  {
    apiVersion: Type.Literal('v1'),
    kind: Type.Literal('Service'),
    metadata: NamespacedMetadata(ServiceName),
    spec: ServiceSpecSchema,
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type ServiceManifest = Static<typeof ServiceSchema>;
