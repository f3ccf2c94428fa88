/**
 * What a node's agent is told, kind by kind. The principle: an agent gets
 * what its proxy needs to carry its own workloads' traffic, and no other
 * node's private details.
 *
 * - Services: all of them. Any local workload may dial any VIP, and connect4
 *   must know every VIP to redirect it; a Service carries nothing private.
 * - Workloads (reachableWorkloads):
 *   - this node's workloads, every field: the agent enrols them (cgroup, or
 *     uid and qosClass to find it) and they are the sources it attributes;
 *   - other nodes' workloads only when some Service selects them (same
 *     namespace, non-empty selector, every selector label matching: the
 *     agent's ServiceIndex rule), because the proxy picks them as endpoints;
 *     they travel without cgroup, uid and qosClass, which only their own
 *     node may act on;
 *   - nothing else. Pod-IP traffic (connect4 redirects any port of a meshed
 *     workload's IP) is therefore meshed for local workloads and for meshed
 *     endpoints of Services, which covers headless-style pod addressing of
 *     StatefulSets. A meshed workload that backs no Service and runs
 *     elsewhere is unknown to this node: a connection to its pod IP leaves
 *     unredirected, as to any address outside the mesh. Sending every
 *     meshed workload's IP would close that gap, at the cost of telling each
 *     node about every pod; the decision is to keep the smaller scope until
 *     a use needs the larger.
 * - Routes and policies (HTTPRoute, GRPCRoute, AuthorizationPolicy,
 *   PeerAuthentication): all of them for now, through `everyNode`. They are
 *   small and say nothing node-private; routes are needed wherever a client
 *   of their Service may run. Later, authorization could go only to nodes
 *   hosting a selected workload, since it is enforced at the destination.
 */
import type { WorkloadWire } from '../../api/codecs/workload.js';
import type { ConfigKey, ModelOf } from '../../api/resource-kind.js';
import type { MeshConfig, Service, Workload } from '../../model/types.js';
import { serviceSelects } from '../../model/service-selects.js';

export interface ScopeContext {
  /** The whole config: a rule may look across kinds (a workload is sent when a Service selects it). */
  config: MeshConfig;
  /** The node whose agent receives the result. */
  node: string;
}

/**
 * Which objects of a kind a node's agent receives, and in what form: a rule
 * may leave objects out, or send a copy without node-private fields.
 */
export type ScopeRule<M> = (objects: readonly M[], context: ScopeContext) => M[];

export const everyNode: ScopeRule<any> = (objects) => [...objects];

/** A copy without what only the workload's own node may use. */
export function withoutNodePrivateFields(workload: Workload): Workload {
  const { cgroup: _cgroup, uid: _uid, qosClass: _qosClass, ...shared } = workload as WorkloadWire;
  return shared as Workload;
}

export function reachableWorkloads(workloads: readonly Workload[], { config, node }: ScopeContext): Workload[] {
  const servicesByNamespace = new Map<string, Service[]>();
  for (const service of config.services) {
    const list = servicesByNamespace.get(service.namespace) ?? [];
    list.push(service);
    servicesByNamespace.set(service.namespace, list);
  }
  const isEndpoint = (workload: Workload) =>
    (servicesByNamespace.get(workload.namespace) ?? []).some((service) => serviceSelects(service, workload));

  const scoped: Workload[] = [];
  for (const workload of workloads) {
    if (workload.node === node) scoped.push(workload);
    else if (isEndpoint(workload)) scoped.push(withoutNodePrivateFields(workload));
  }
  return scoped;
}

/** Every kind on the stream has its rule here; a kind added to the registry without one does not compile. */
export const scopeRules: { [K in ConfigKey]: ScopeRule<ModelOf<K>> } = {
  nodes: everyNode,
  services: everyNode,
  workloads: reachableWorkloads,
  namespaces: everyNode,
  httpRoutes: everyNode,
  grpcRoutes: everyNode,
  authorizationPolicies: everyNode,
  peerAuthentications: everyNode,
};
