/**
 * Who is calling, from the cgroup id connect4 recorded. Programs attached to
 * a pod's cgroup also run for its descendants, and container runtimes put a
 * pod's processes in per-container child cgroups, so an id that is not a pod
 * cgroup is looked up as a descendant of one. Never from the source address.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../../control-plane/model/types.js';
import type { ProxyState } from './proxy-state.js';

/** Container cgroups sit one or two levels below the pod's. */
const maxDepth = 4;
const maxDirsPerWorkload = 512;
const maxCached = 4096;

export class SourceResolver {
  readonly #descendants = new Map<bigint, Workload>();
  #cachedVersion = -1;

  constructor(private readonly state: ProxyState, private readonly cgroupMount: string) {}

  resolve(cgroupId: bigint): Workload | undefined {
    const direct = this.state.sourceByCgroupId(cgroupId);
    if (direct) return direct;
    if (this.#cachedVersion !== this.state.version) {
      this.#descendants.clear();
      this.#cachedVersion = this.state.version;
    }
    const cached = this.#descendants.get(cgroupId);
    if (cached) return cached;
    for (const workload of this.state.localWorkloads()) {
      if (workload.cgroup === undefined) continue; // not enrolled, so no process of it is redirected
      if (containsCgroup(join(this.cgroupMount, workload.cgroup), cgroupId)) {
        if (this.#descendants.size >= maxCached) this.#descendants.clear();
        this.#descendants.set(cgroupId, workload);
        return workload;
      }
    }
    return undefined;
  }
}

function containsCgroup(root: string, cgroupId: bigint): boolean {
  const pending: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  for (let visited = 0; pending.length > 0 && visited < maxDirsPerWorkload; visited++) {
    const { dir, depth } = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // removed while we looked
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = join(dir, entry.name);
      try {
        if (statSync(child, { bigint: true }).ino === cgroupId) return true;
      } catch {
        continue;
      }
      if (depth + 1 < maxDepth) pending.push({ dir: child, depth: depth + 1 });
    }
  }
  return false;
}
