/** Where a run keeps its things outside network namespaces; all named by prefix. */
import { join } from 'node:path';
import { cgroup2MountPoint } from '../agent/system/mounts.js';
import { isRunPrefix } from './run-prefix.js';

export const bpffsRoot = '/sys/fs/bpf';

export interface RunPaths {
  /** logs, configs: /tmp/<prefix> */
  runDir: string;
  /** bpffs pins: /sys/fs/bpf/<prefix> */
  pinRoot: string;
  /** <cgroup2 mount>/<prefix>, undefined when no cgroup v2 is mounted */
  cgroupRoot: string | undefined;
}

export function runPaths(prefix: string): RunPaths {
  // Every path below is removed recursively on teardown: refuse anything odd.
  if (!isRunPrefix(prefix)) throw new Error(`not a run prefix: ${JSON.stringify(prefix)}`);
  const mount = cgroup2MountPoint();
  return {
    runDir: join('/tmp', prefix),
    pinRoot: join(bpffsRoot, prefix),
    cgroupRoot: mount ? join(mount, prefix) : undefined,
  };
}
