/**
 * Namespace on the wire (proto/weft/v1/mesh-core.proto). The model's `source`
 * (file and line of the manifest) stays behind: it means nothing on the
 * agent, and leaving it out of the proto keeps a manifest's reformatting
 * from changing versions.
 */
import type { Namespace as NamespaceProto, Namespace__Output } from '../../proto/generated/weft/v1/Namespace.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import { sorted } from './wire-values.js';

export const namespaceKind: ResourceKind<'namespaces', NamespaceProto, Namespace__Output> = {
  kind: 'Namespace',
  field: 'namespace',
  configKey: 'namespaces',
  key: (namespace) => namespace.name,
  toProto: (namespace) => ({ name: namespace.name, labels: sorted(namespace.labels) }),
  fromProto: (body: Namespace__Output, name: string) => ({
    name: check.dnsLabel(body.name, 'name'),
    labels: check.labels(body.labels, 'labels'),
    source: resourceSource(name),
  }),
};
