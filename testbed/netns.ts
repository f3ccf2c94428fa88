/** Named network namespaces (`ip netns`), listed and removed by run prefix. */
import { run, runSync } from './exec.js';
import { belongsTo } from './run-prefix.js';

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** Every named namespace; `ip netns list` prints `NAME (id: N)` or just `NAME`. */
export function listNetnsSync(): string[] {
  return runSync(['ip', 'netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export function netnsOfPrefixSync(prefix: string): string[] {
  return listNetnsSync().filter((name) => belongsTo(name, prefix));
}

/** The processes that live in a namespace, whatever cgroup they are in. */
export function netnsPidsSync(name: string): number[] {
  try {
    return runSync(['ip', 'netns', 'pids', name])
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

/** Interfaces inside die with the namespace, veth peers in other namespaces too. */
export function deleteNetnsSync(name: string): void {
  runSync(['ip', 'netns', 'del', name]);
}
