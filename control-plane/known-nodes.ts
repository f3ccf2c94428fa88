/**
 * The nodes whose agents have connected, each with the address it reported:
 * where the other nodes' proxies open tunnels to it. A node stays known
 * after its agent disconnects (a restart must not make its pods unreachable);
 * a new address from the same node replaces the old one.
 */
import type { MeshNode } from './model/types.js';

export class KnownNodes {
  readonly #addresses = new Map<string, string>();

  /** Returns true when the set of nodes or an address changed. */
  observe(connected: Iterable<{ name: string; ip: string }>): boolean {
    let changed = false;
    for (const { name, ip } of connected) {
      if (!ip || this.#addresses.get(name) === ip) continue;
      this.#addresses.set(name, ip);
      changed = true;
    }
    return changed;
  }

  list(): MeshNode[] {
    return [...this.#addresses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, ip]) => ({ name, ip, source: { file: `agent:${name}`, document: 0 } }));
  }
}
