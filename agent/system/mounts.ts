import { readFileSync } from 'node:fs';

export interface Mount {
  mountPoint: string;
  fsType: string;
  options: string;
}

/** Parses /proc/self/mountinfo: the mounts as this process sees them. */
export function mounts(mountinfo = '/proc/self/mountinfo'): Mount[] {
  return readFileSync(mountinfo, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [left, right = ''] = line.split(' - ');
      const fields = left!.split(' ');
      const [fsType = '', , superOptions = ''] = right.split(' ');
      return { mountPoint: unescapeOctal(fields[4] ?? ''), fsType, options: `${fields[5] ?? ''},${superOptions}` };
    });
}

/** Where cgroup v2 is mounted: /sys/fs/cgroup on a pure layout,
 * /sys/fs/cgroup/unified on a hybrid one. Never assumed. */
export function cgroup2MountPoint(): string | undefined {
  const found = mounts().filter((m) => m.fsType === 'cgroup2');
  return (found.find((m) => m.mountPoint === '/sys/fs/cgroup') ?? found[0])?.mountPoint;
}

export function bpffsMountedAt(path = '/sys/fs/bpf'): boolean {
  return mounts().some((m) => m.fsType === 'bpf' && m.mountPoint === path);
}

function unescapeOctal(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
