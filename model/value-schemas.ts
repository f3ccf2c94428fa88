/**
 * The string shapes of names and addresses, as TypeBox schemas with RE2-safe patterns: the
 * manifest schemas (and the CRDs derived from them) use them, and the agent re-checks decoded
 * wire objects with the same patterns (api/field-checks.ts).
 */
import { Type } from '@sinclair/typebox';

const octet = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';

/** Dotted quad without leading zeros: "010" reads as octal to some tools and decimal to others. */
export const Ipv4 = Type.String({
  pattern: `^(${octet}\\.){3}${octet}$`,
  description: 'an IPv4 address such as 10.96.0.20',
});

export const Port = Type.Integer({ minimum: 1, maximum: 65535 });

const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** RFC 1123 label: namespace and Service names, port names. */
export const DnsLabel = Type.String({
  pattern: `^${dnsLabel}$`,
  maxLength: 63,
  description: "a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit",
});

/** RFC 1123 subdomain: names of most other objects, nodes and service accounts. */
export const DnsSubdomain = Type.String({
  pattern: `^${dnsLabel}(\\.${dnsLabel})*$`,
  maxLength: 253,
  description: "a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
});

/** Kubernetes label value (keys are checked in document-checks.ts: JSON Schema for map keys is not portable to OpenAPI). */
export const LabelValue = Type.String({
  pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
  maxLength: 63,
  description: "a label value: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});

/** Service names are RFC 1035 labels: like a DNS label, but starting with a letter. */
export const ServiceName = Type.String({
  pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
  maxLength: 63,
  description: "a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
});

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
