/**
 * RLIMIT_MEMLOCK of this process, from /proc/<pid>/limits: before Linux
 * 5.11 every BPF map and program is charged to it, and libbpf raises it to
 * unlimited at start, which needs CAP_SYS_RESOURCE unless it is already.
 */
import { readFileSync } from 'node:fs';

/** Bytes, 'unlimited', or undefined when the line cannot be read. */
export type MemlockLimit = number | 'unlimited' | undefined;

/** The soft limit: the one the kernel charges against. */
export function parseMemlockLimit(limits: string): MemlockLimit {
  const soft = /^Max locked memory\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined) return undefined;
  if (soft === 'unlimited') return 'unlimited';
  const bytes = Number(soft);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function readMemlockLimit(limitsPath = '/proc/self/limits'): MemlockLimit {
  try {
    return parseMemlockLimit(readFileSync(limitsPath, 'utf8'));
  } catch {
    return undefined;
  }
}
