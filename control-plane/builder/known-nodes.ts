/**
 * Where each node's proxy takes tunnels, as served to every agent: merged
 * from what agents report and what the source knows.
 *
 * - An agent reports its node's address when it connects (its --node-ip):
 *   the address its proxy is bound to. A connected agent's report wins over
 *   anything else for its node, because it is where the listener actually
 *   is; an address taken from elsewhere that differs from it would send
 *   tunnels where nothing listens.
 * - The Kubernetes source reads Node objects (kubernetes-map-node.ts), so
 *   every control-plane replica knows every node, including those whose
 *   agents are connected to another replica. For a node whose agent is not
 *   connected here, the Node object's address wins over an address an agent
 *   reported earlier, which may be stale: the API is the current truth.
 * - A directory source has no nodes. There a node stays known after its
 *   agent disconnects (a restart must not make its pods unreachable), and a
 *   new address from the same node replaces the old one.
 */
import type { MeshNode } from '../../model/types.js';

export class KnownNodes {
  /** Every node an agent has reported, with its latest address; kept after the agent leaves. */
  readonly #reported = new Map<string, string>();
  #connected = new Set<string>();

  /** The agents connected now. Returns true when a reported address or the set of connected nodes changed. */
  observe(connected: Iterable<{ name: string; ip: string }>): boolean {
    let changed = false;
    const now = new Set<string>();
    for (const { name, ip } of connected) {
      if (!ip) continue;
      now.add(name);
      if (this.#reported.get(name) === ip) continue;
      this.#reported.set(name, ip);
      changed = true;
    }
    if (now.size !== this.#connected.size || [...now].some((name) => !this.#connected.has(name))) changed = true;
    this.#connected = now;
    return changed;
  }

  /** The nodes to serve, sorted by name: `fromSource` (Node objects) merged with what agents reported, as above. */
  list(fromSource: readonly MeshNode[] = []): MeshNode[] {
    const byName = new Map<string, MeshNode>();
    const reported = (name: string, ip: string): MeshNode => ({ name, ip, source: { file: `agent:${name}`, document: 0 } });
    for (const [name, ip] of this.#reported) byName.set(name, reported(name, ip));
    for (const node of fromSource) if (!this.#connected.has(node.name)) byName.set(node.name, node);
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
