/** CPU time and resident memory of a process, from /proc as `top` reads them. */
import { readFileSync } from 'node:fs';

const clockTicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Weft targets

export interface CpuTime {
  /** utime: the process's own code (JavaScript, V8, OpenSSL, libuv) */
  user: number;
  /** stime: the kernel on its behalf (syscalls, and the TCP work they trigger) */
  system: number;
}

/** utime and stime of the whole process (all its threads), in microseconds. */
export function cpuMicros(pid: number): CpuTime {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces and parentheses: fields count from its last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const toMicros = (ticks: string | undefined) => (Number(ticks) * 1_000_000) / clockTicksPerSecond;
  return { user: toMicros(fields[11]), system: toMicros(fields[12]) };
}

/** VmRSS in KiB. */
export function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The process's command line, to check a pid is the program it is taken for. */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
}
