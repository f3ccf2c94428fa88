/**
 * A node (MeshNode) on the wire (proto/weft/v1/mesh-core.proto). The
 * model's `source` (file and line of the manifest) stays behind: it means
 * nothing on the agent, and leaving it out of the proto keeps a manifest's
 * reformatting from changing versions.
 */
import type { MeshNode as MeshNodeProto, MeshNode__Output } from '../../proto/generated/weft/v1/MeshNode.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';

export const nodeKind: ResourceKind<'nodes', MeshNodeProto, MeshNode__Output> = {
  kind: 'Node',
  field: 'meshNode',
  configKey: 'nodes',
  key: (node) => node.name,
  toProto: (node) => ({ name: node.name, ip: node.ip }),
  fromProto: (body: MeshNode__Output, name: string) => ({
    name: check.nonEmpty(body.name, 'name'),
    ip: check.ipv4(body.ip, 'ip'),
    source: resourceSource(name),
  }),
};
