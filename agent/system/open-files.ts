/**
 * The agent's open-file limit, raised at start as ztunnel does: every
 * proxied connection holds two descriptors (the pod's side and the
 * upstream), so a runtime default of a few thousand caps a node's mesh far
 * below what the node can carry. The soft limit goes to the hard one; the
 * hard one to the kernel's per-process ceiling (fs.nr_open) when the agent
 * has CAP_SYS_RESOURCE (the DaemonSet grants it), else it stays.
 */
import { readFileSync } from 'node:fs';
import { BpfError } from '../../native/bpf-error.js';
import { openFileLimit, setOpenFileLimit, type OpenFileLimit } from '../../native/index.js';

const fallbackCeiling = 1_048_576;

function kernelCeiling(): number {
  try {
    return Number.parseInt(readFileSync('/proc/sys/fs/nr_open', 'utf8'), 10) || fallbackCeiling;
  } catch {
    return fallbackCeiling;
  }
}

const unlimited = (value: number) => value === -1;

export interface RaisedLimit extends OpenFileLimit {
  /** the limit found at start */
  before: OpenFileLimit;
}

export function raiseOpenFileLimit(ceiling = kernelCeiling()): RaisedLimit {
  const before = openFileLimit();
  if (unlimited(before.soft)) return { ...before, before };
  const target = unlimited(before.hard) ? ceiling : Math.max(before.hard, ceiling);
  try {
    setOpenFileLimit({ soft: target, hard: target });
  } catch (error) {
    if (!(error instanceof BpfError) || error.errnoName !== 'EPERM') throw error;
    // No CAP_SYS_RESOURCE: as far as the hard limit goes.
    if (before.soft !== before.hard) setOpenFileLimit({ soft: before.hard, hard: before.hard });
  }
  return { ...openFileLimit(), before };
}
