/** `weft.dev/v1alpha1 Workload`: file mode's stand-in for a Pod. */
import { type Static, Type } from '@sinclair/typebox';
import { DnsSubdomain, IgnoredStatus, Ipv4, NamespacedMetadata } from './common.js';

/**
 * Non-empty segments, none of them "..": the agent joins this to the
 * cgroup v2 mount, and a workload must not name a cgroup outside it. "/"
 * alone is refused too: the root cgroup holds every process on the node,
 * the proxy's included. Written without lookahead so RE2 accepts it.
 */
const segment = '([^/.][^/]*|\\.|\\.[^/.][^/]*|\\.\\.[^/]+)';

export const CgroupPath = Type.String({
  pattern: `^(/${segment})+$`,
  description: "an absolute path under the cgroup v2 mount: starts with '/', no '..' or empty segments, not '/' itself",
});

export const WorkloadSpecSchema = Type.Object(
  {
    node: DnsSubdomain,
    ip: Ipv4,
    serviceAccount: Type.Optional(Type.String({ ...DnsSubdomain, default: 'default' })),
    cgroup: CgroupPath,
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
