/**
 * Building blocks shared by the manifest schemas. Plain JSON Schema through
 * TypeBox, with patterns RE2 can run too (no lookaround), because the CRDs'
 * OpenAPI schemas are derived from these objects and the API server
 * evaluates patterns with Go's regexp. A `description` on a pattern is also
 * what the validator says when the pattern does not match ("must be <description>").
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

export const DEFAULT_NAMESPACE = 'default';

import { DnsLabel, DnsSubdomain, Ipv4, LabelValue, Port } from '../../../model/value-schemas.js';

export { DnsLabel, DnsSubdomain, Ipv4, LabelValue, Port };

/**
 * A string-to-string map as OpenAPI structural schemas spell it
 * (additionalProperties), not as TypeBox's Record does (patternProperties,
 * which CRDs reject).
 */
export function StringMap<T extends TSchema>(value: T, options: { description?: string } = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, ...options });
}

export const Labels = StringMap(LabelValue);

/**
 * Fields of Kubernetes ObjectMeta that Weft does not read but must accept,
 * so that objects read back from a cluster validate. Everything else in
 * metadata is a typo (say `namepsace`), which would otherwise silently move
 * an object to the default namespace.
 */
const ignoredMetaFields = {
  generateName: Type.Optional(Type.Unknown()),
  uid: Type.Optional(Type.Unknown()),
  resourceVersion: Type.Optional(Type.Unknown()),
  generation: Type.Optional(Type.Unknown()),
  creationTimestamp: Type.Optional(Type.Unknown()),
  deletionTimestamp: Type.Optional(Type.Unknown()),
  deletionGracePeriodSeconds: Type.Optional(Type.Unknown()),
  selfLink: Type.Optional(Type.Unknown()),
  ownerReferences: Type.Optional(Type.Unknown()),
  finalizers: Type.Optional(Type.Unknown()),
  managedFields: Type.Optional(Type.Unknown()),
};

export function NamespacedMetadata(name: TSchema = DnsSubdomain) {
  return Type.Object(
    {
      name: Type.Unsafe<string>(name),
      namespace: Type.Optional(Type.String({ ...DnsLabel, default: DEFAULT_NAMESPACE })),
      labels: Type.Optional(Labels),
      annotations: Type.Optional(StringMap(Type.String())),
      ...ignoredMetaFields,
    },
    { additionalProperties: false },
  );
}

export function ClusterMetadata(name: TSchema = DnsSubdomain) {
  return Type.Object(
    {
      name: Type.Unsafe<string>(name),
      // Cluster-scoped objects may carry one (kubectl ignores it); it means nothing.
      namespace: Type.Optional(Type.Unknown()),
      labels: Type.Optional(Labels),
      annotations: Type.Optional(StringMap(Type.String())),
      ...ignoredMetaFields,
    },
    { additionalProperties: false },
  );
}

/** Read back from a cluster, objects have a status; in manifests it is ignored. */
export const IgnoredStatus = Type.Optional(Type.Unknown());

/**
 * A closed set of strings as `enum` (not TypeBox's union of `const`s, an
 * anyOf that structural schemas refuse). The validator lists the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export function IntegerEnum<const T extends readonly number[]>(values: T, options: { default?: T[number]; description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'integer', enum: [...values], ...options });
}

/** `spec.selector.matchLabels`, as Istio's WorkloadSelector; absent or empty selects the whole namespace. */
export const WorkloadSelector = Type.Object({ matchLabels: Type.Optional(Labels) }, { additionalProperties: false });
