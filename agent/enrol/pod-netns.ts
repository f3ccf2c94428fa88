/**
 * A pod's network namespace, found from its cgroup: any process of the pod
 * (in the cgroup or below it, where runtimes put containers) is in it, and
 * /proc/<pid>/ns/net names it. The same lookup holds on a Kubernetes node
 * (the sandbox's pause process) and in the testbed; a pod with no process
 * yet has no namespace to find, and is looked at again.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PodNetns {
  /** /proc/<pid>/ns/net: valid while that process lives; opened at once by whoever takes it */
  path: string;
  /** the namespace's inode: the same pod keeps it, a new sandbox changes it */
  inode: bigint;
}

/** Containers sit at most a few levels under the pod's cgroup. */
const maxDepth = 4;

function firstPid(dir: string, depth: number): number | undefined {
  try {
    const pid = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').find((line) => line.trim() !== '');
    if (pid !== undefined) return Number(pid);
    if (depth >= maxDepth) return undefined;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const found = firstPid(join(dir, entry.name), depth + 1);
      if (found !== undefined) return found;
    }
  } catch {
    // the cgroup or a child went away while we looked: nothing to find there
  }
  return undefined;
}

export function podNetns(cgroupDir: string): PodNetns | undefined {
  const pid = firstPid(cgroupDir, 0);
  if (pid === undefined) return undefined;
  const path = `/proc/${pid}/ns/net`;
  try {
    return { path, inode: statSync(path, { bigint: true }).ino };
  } catch {
    return undefined; // the process exited between the two reads
  }
}
