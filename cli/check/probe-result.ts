/** Reads the numbers libbpf's feature probes return: 1, 0 or -errno. */
import { constants } from 'node:os';

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export function describeProbe(result: number): string {
  if (result === 1) return 'supported';
  if (result === 0) return 'refused by the kernel';
  return `probe failed: ${errnoName(-result)}`;
}
