/**
 * A Node -> a MeshNode: where that node's proxy takes tunnels (port 15008),
 * read from the API so that every control-plane replica knows every node,
 * not only the nodes whose agents happen to be connected to it
 * (known-nodes.ts merges the two). The address is the node's first IPv4
 * InternalIP: the one the kubelet reports as its pods' status.hostIP,
 * which the agent DaemonSet passes as --node-ip, so it is the address the
 * agent binds. A Node without one (IPv6-only, or addresses not reported
 * yet) is left out until it has one.
 */
import { isIPv4 } from 'node:net';
import type { MeshNode } from '../../model/types.js';
import type { Node } from './kubernetes-api-object.js';
import { type Skipped, sourceName } from './kubernetes-mapped-object.js';

export function mapNode(node: Node): MeshNode | Skipped {
  const name = node.metadata?.name ?? '';
  if (!name) return { skipped: 'no name' };
  const internal = (node.status?.addresses ?? []).filter((entry) => entry.type === 'InternalIP');
  const ip = internal.map((entry) => entry.address).find((address): address is string => typeof address === 'string' && isIPv4(address));
  if (ip === undefined) return { skipped: internal.length > 0 ? 'no IPv4 InternalIP' : 'no InternalIP yet' };
  return { name, ip, source: { file: sourceName('Node', undefined, name), document: 0 } };
}

/** Every Node with an address, by name. */
export function mapNodes(nodes: readonly Node[]): { nodes: MeshNode[]; skipped: number } {
  const mapped: MeshNode[] = [];
  let skipped = 0;
  for (const node of nodes) {
    const result = mapNode(node);
    if ('skipped' in result) skipped++;
    else mapped.push(result);
  }
  mapped.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { nodes: mapped, skipped };
}
