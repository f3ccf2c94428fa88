import { execFileSync } from 'node:child_process';
import { PrivilegeError } from './system-errors.js';
import { bpffsMountedAt } from './mounts.js';

/** Mounts bpffs at /sys/fs/bpf if it is missing, as cilium-agent does. */
export function ensureBpffs(path = '/sys/fs/bpf'): void {
  if (bpffsMountedAt(path)) return;
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', path], { stdio: 'pipe' });
  } catch (error) {
    throw new PrivilegeError(`bpffs is not mounted at ${path} and mounting it failed: ${(error as Error).message.trim()}`);
  }
}
