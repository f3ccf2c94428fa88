/** The run's cgroup v2 subtree: pods and agents live in it, so one
 * `cgroup.kill` at its top ends every process the run started. */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2MountPoint } from '../agent/system/mounts.js';
import { sleepSync } from './exec.js';

export function cgroupMount(): string {
  const mount = cgroup2MountPoint();
  if (!mount) throw new Error('no cgroup v2 hierarchy is mounted (findmnt -t cgroup2 finds nothing)');
  return mount;
}

export function makeCgroup(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Child cgroups (directories) of a cgroup, depth-first with the deepest first. */
function subtreeDeepestFirst(dir: string, depth = 0): string[] {
  if (depth > 16) return [dir];
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return [...children.flatMap((child) => subtreeDeepestFirst(child, depth + 1)), dir];
}

export function cgroupPidsSync(root: string): number[] {
  return subtreeDeepestFirst(root).flatMap((dir) => {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

function populated(root: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(root, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs every process in the subtree (cgroup.kill, kernel 5.14+; pid by
 * pid otherwise) and waits, bounded, for the subtree to empty. */
export function killCgroupTreeSync(root: string, waitMs = 3000): void {
  if (!existsSync(root)) return;
  try {
    writeFileSync(join(root, 'cgroup.kill'), '1');
  } catch {
    for (const pid of cgroupPidsSync(root)) killQuietly(pid);
  }
  const deadline = Date.now() + waitMs;
  while (populated(root) && Date.now() < deadline) sleepSync(20);
  if (populated(root)) throw new Error(`processes are still in ${root} ${waitMs} ms after cgroup.kill: ${cgroupPidsSync(root).join(', ')}`);
}

/** rmdir bottom-up; a cgroup whose last process is still exiting is busy for a moment. */
export function removeCgroupTreeSync(root: string, waitMs = 3000): void {
  const deadline = Date.now() + waitMs;
  for (const dir of subtreeDeepestFirst(root)) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline || attempt > 200) throw error;
        sleepSync(15);
      }
    }
  }
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === process.ppid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
