/** Which Linux capabilities this process holds, read from /proc/<pid>/status. */
import { readFileSync } from 'node:fs';
import { PrivilegeError } from '../../agent/system/system-errors.js';

/** Capability bits as include/uapi/linux/capability.h numbers them. */
export const Capability = { NET_ADMIN: 12, SYS_ADMIN: 21, SYS_RESOURCE: 24, PERFMON: 38, BPF: 39 } as const;
export type CapabilityName = keyof typeof Capability;

export interface ProcessPrivileges {
  effectiveUid: number;
  /** CapEff: what the kernel checks; permitted-but-not-effective does not count. */
  effective: bigint;
}

export function parseProcStatus(text: string): ProcessPrivileges {
  const field = (name: string): string => {
    const value = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    if (value === undefined) throw new PrivilegeError(`cannot read privileges: no ${name} line in the process status`);
    return value;
  };
  const capEff = field('CapEff');
  if (!/^[0-9a-fA-F]{1,16}$/.test(capEff)) throw new PrivilegeError(`cannot read privileges: CapEff is ${JSON.stringify(capEff)}`);
  // Uid: real, effective, saved, filesystem.
  const effectiveUid = Number(field('Uid').split(/\s+/)[1]);
  if (!Number.isInteger(effectiveUid)) throw new PrivilegeError('cannot read privileges: malformed Uid line in the process status');
  return { effectiveUid, effective: BigInt(`0x${capEff}`) };
}

export function readProcessPrivileges(statusPath = '/proc/self/status'): ProcessPrivileges {
  return parseProcStatus(readFileSync(statusPath, 'utf8'));
}

export function hasCapability(mask: bigint, capability: CapabilityName): boolean {
  return ((mask >> BigInt(Capability[capability])) & 1n) === 1n;
}

/** CapEff as /proc prints it, so the operator can compare with `grep Cap /proc/PID/status`. */
export function formatMask(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}
