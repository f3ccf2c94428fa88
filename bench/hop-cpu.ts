/** Proxy CPU over a window: utime + stime of each hop's process before and after. */
import type { Hop } from './bench-mesh.js';
import type { PerHop } from './bench-records.js';
import { cpuMicros, rssKib, type CpuTime } from './proc-stats.js';

export type CpuSnapshot = Record<string, CpuTime>;

export function cpuSnapshot(hops: Hop[]): CpuSnapshot {
  return Object.fromEntries(hops.map((hop) => [hop.name, cpuMicros(hop.pid)]));
}

export interface CpuUse {
  /** user + system microseconds per unit of work (request, second) */
  perUnit: PerHop;
  /** the kernel's part of it, 0..1 */
  systemShare: PerHop;
}

/** CPU spent per unit of work since `before`, per hop. */
export function cpuPer(hops: Hop[], before: CpuSnapshot, units: number): CpuUse {
  const after = cpuSnapshot(hops);
  const perUnit: PerHop = {};
  const systemShare: PerHop = {};
  for (const { name } of hops) {
    const user = after[name]!.user - before[name]!.user;
    const system = after[name]!.system - before[name]!.system;
    perUnit[name] = units > 0 ? (user + system) / units : NaN;
    systemShare[name] = user + system > 0 ? system / (user + system) : NaN;
  }
  return { perUnit, systemShare };
}

export function rssSnapshot(hops: Hop[]): PerHop {
  return Object.fromEntries(hops.map((hop) => [hop.name, rssKib(hop.pid)]));
}
