/** `weft.dev/v1alpha1 Workload`: file mode's stand-in for a Pod. */
import { type Static, Type } from '@sinclair/typebox';
import { DnsSubdomain, IgnoredStatus, Ipv4, NamespacedMetadata, StringEnum } from './common.js';

export { CgroupPath } from '../../../model/value-schemas.js';
import { CgroupPath } from '../../../model/value-schemas.js';

export const WorkloadSpecSchema = Type.Object(
  {
    node: DnsSubdomain,
    ip: Ipv4,
    serviceAccount: Type.Optional(Type.String({ ...DnsSubdomain, default: 'default' })),
    /** File mode names the cgroup; a Kubernetes source leaves it out and sets uid and qosClass instead. */
    cgroup: Type.Optional(CgroupPath),
    // Path-safe: the agent puts it into a cgroup path (`pod<uid>.slice`).
    uid: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$', description: "the Pod's UID, such as 2f1c6e0a-8a0b-4c39-9d6e-2b8f0e7a1c55" })),
    qosClass: Type.Optional(StringEnum(['Guaranteed', 'Burstable', 'BestEffort'])),
    mesh: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const WorkloadSchema = Type.Object(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('Workload'),
    metadata: NamespacedMetadata(),
    spec: WorkloadSpecSchema,
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type WorkloadManifest = Static<typeof WorkloadSchema>;
