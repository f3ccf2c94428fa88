/**
 * Who is calling, from the cgroup id connect4 recorded. Programs attached to
 * a pod's cgroup also run for its descendants, and container runtimes put a
 * pod's processes in per-container child cgroups (the kubelet's pods:
 * cri-containerd-<id>.scope, crio-<id>.scope, or <id>), so an id that is not
 * a pod cgroup is looked up as a descendant of one. Never from the source
 * address.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../../model/types.js';
import type { ProxyState } from './proxy-state.js';

/** Container cgroups sit one or two levels below the pod's. */
const maxDepth = 4;
const maxDirsPerWorkload = 512;
const maxCached = 4096;

/** Where an enrolled workload's cgroup is: the enroller knows (spec.cgroup, or found from the pod). */
export type CgroupDirOf = (workload: Workload) => string | undefined;

export class SourceResolver {
  /**
   * Descendant cgroup id -> the id of the pod cgroup it is under. Cgroup ids
   * are never reused, so an entry stays true across config updates; the
   * workload itself is read from the current state at every lookup.
   */
  readonly #podCgroupOf = new Map<bigint, bigint>();

  constructor(private readonly state: ProxyState, private readonly cgroupDirOf: CgroupDirOf) {}

  resolve(cgroupId: bigint): Workload | undefined {
    const direct = this.state.sourceByCgroupId(cgroupId);
    if (direct) return direct;
    const pod = this.#podCgroupOf.get(cgroupId);
    if (pod !== undefined) {
      const workload = this.state.sourceByCgroupId(pod);
      if (workload) return workload;
      this.#podCgroupOf.delete(cgroupId); // the pod left: its containers' ids never come back
      return undefined;
    }
    for (const workload of this.state.localWorkloads()) {
      const dir = this.cgroupDirOf(workload);
      if (dir === undefined) continue;
      if (containsCgroup(dir, cgroupId)) {
        if (this.#podCgroupOf.size >= maxCached) this.#podCgroupOf.clear();
        const podId = cgroupIdOf(dir);
        if (podId !== undefined) this.#podCgroupOf.set(cgroupId, podId);
        return workload;
      }
    }
    return undefined;
  }
}

function cgroupIdOf(dir: string): bigint | undefined {
  try {
    return statSync(dir, { bigint: true }).ino;
  } catch {
    return undefined;
  }
}

/** Breadth first: container cgroups are mostly direct children of the pod's. */
function containsCgroup(root: string, cgroupId: bigint): boolean {
  const pending: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  for (let visited = 0; pending.length > 0 && visited < maxDirsPerWorkload; visited++) {
    const { dir, depth } = pending.shift()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // removed while we looked
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = join(dir, entry.name);
      if (cgroupIdOf(child) === cgroupId) return true;
      if (depth + 1 < maxDepth) pending.push({ dir: child, depth: depth + 1 });
    }
  }
  return false;
}
