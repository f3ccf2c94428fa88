/** Names the cgroup layout from the mounts, so `weft check` can say why v2 is where it is. */
import type { Mount } from '../../agent/system/mounts.js';

export type CgroupLayout = 'unified' | 'hybrid' | 'legacy' | 'none';

export function cgroupLayout(mounts: Mount[]): CgroupLayout {
  const v2 = mounts.some((m) => m.fsType === 'cgroup2');
  const v1 = mounts.some((m) => m.fsType === 'cgroup');
  if (v2) return v1 ? 'hybrid' : 'unified';
  return v1 ? 'legacy' : 'none';
}
