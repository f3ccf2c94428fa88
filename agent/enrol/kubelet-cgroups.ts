/**
 * Where the kubelet puts a pod's cgroup, from the pod's UID and QoS class.
 * The kubelet names cgroups as component lists ([kubepods, burstable,
 * pod<uid>]) and each cgroup driver spells them its own way:
 *
 *   systemd   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid, '-' as '_'>.slice
 *   cgroupfs  /kubepods/burstable/pod<uid>
 *
 * Guaranteed pods sit directly in kubepods (no QoS level); BestEffort ones
 * in besteffort. Paths here are relative to the cgroup v2 mount, which is
 * /sys/fs/cgroup on a pure v2 host and /sys/fs/cgroup/unified on a hybrid
 * one (found by the caller, never assumed). Container runtimes then put each
 * container in a child of the pod's cgroup (cri-containerd-<id>.scope,
 * crio-<id>.scope, or <id>): programs attached to the pod's cgroup run for
 * them too.
 *
 * The kubelet's --cgroup-root moves the whole tree. The kubelet reads it as
 * a cgroupfs path whatever its driver, so --cgroup-root=/kubelet gives
 * /kubelet/kubepods with cgroupfs and /kubelet.slice/kubelet-kubepods.slice
 * with systemd (as kind runs it). A root that is itself a slice
 * (/kubelet.slice) or a plain directory holding kubepods.slice (a node's
 * cgroup namespace seen from the host) is taken as the place the kubelet's
 * top cgroup hangs from.
 */
import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Workload } from '../../model/types.js';
import { KubeletCgroupRootError } from './enrol-errors.js';
import type { Logger } from '../../core/log.js';

export type KubeletCgroupDriver = 'systemd' | 'cgroupfs';
export const kubeletCgroupDriverOptions = ['auto', 'systemd', 'cgroupfs'] as const;
export type KubeletCgroupDriverOption = (typeof kubeletCgroupDriverOptions)[number];
export type QosClass = NonNullable<Workload['qosClass']>;

/** Every class, for a pod whose status carried none: one of them holds it. */
const allQosClasses: readonly QosClass[] = ['Burstable', 'BestEffort', 'Guaranteed'];

/** One way the kubelet may have laid out its cgroups. */
export interface KubeletLayout {
  driver: KubeletCgroupDriver;
  /** the kubelet's top cgroup, relative to the mount: /kubepods.slice, /kubepods, ... */
  kubepods: string;
  /** the pod's cgroup, relative to the mount */
  podCgroup(uid: string, qosClass: QosClass): string;
}

/** The QoS level of the kubelet's names: none for Guaranteed pods. */
function qosComponents(qosClass: QosClass): string[] {
  return qosClass === 'Guaranteed' ? [] : [qosClass.toLowerCase()];
}

/** systemd nests slices by name (a-b.slice is the child of a.slice), and a
 * '-' inside one component is written '_' (the kubelet's ToSystemd). */
function slicePath(parentDir: string, parentSlice: string, components: readonly string[]): string {
  let dir = parentDir;
  let name = parentSlice;
  for (const component of components) {
    const escaped = component.replaceAll('-', '_');
    name = name === '' ? escaped : `${name}-${escaped}`;
    dir = posix.join(dir, `${name}.slice`);
  }
  return dir;
}

function systemdLayout(parentDir: string, parentSlice: string, leading: readonly string[]): KubeletLayout {
  const kubepods = [...leading, 'kubepods'];
  return {
    driver: 'systemd',
    kubepods: slicePath(parentDir, parentSlice, kubepods),
    podCgroup: (uid, qosClass) => slicePath(parentDir, parentSlice, [...kubepods, ...qosComponents(qosClass), `pod${uid}`]),
  };
}

function cgroupfsLayout(root: string): KubeletLayout {
  const kubepods = posix.join(root, 'kubepods');
  return {
    driver: 'cgroupfs',
    kubepods,
    podCgroup: (uid, qosClass) => posix.join(kubepods, ...qosComponents(qosClass), `pod${uid}`),
  };
}

/** '/', '/kubelet', '/kubelet.slice': absolute, no '..', no trailing '/'. */
export function normalizeKubeletRoot(root: string): string {
  if (!root.startsWith('/')) throw new KubeletCgroupRootError(`the kubelet cgroup root must be an absolute cgroup path such as / or /kubelet, not ${JSON.stringify(root)}`);
  if (root.split('/').includes('..')) throw new KubeletCgroupRootError(`the kubelet cgroup root must not contain '..': ${JSON.stringify(root)}`);
  const normal = posix.normalize(root);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/**
 * The layouts to look for, most likely first: systemd before cgroupfs (the
 * kubelet's recommended driver on cgroup v2). `root` is normalized.
 */
export function kubeletLayouts(driver: KubeletCgroupDriverOption, root: string): KubeletLayout[] {
  const layouts: KubeletLayout[] = [];
  if (driver !== 'cgroupfs') {
    const base = posix.basename(root);
    if (base.endsWith('.slice')) {
      layouts.push(systemdLayout(root, base.slice(0, -'.slice'.length), []));
    } else {
      layouts.push(systemdLayout(root, '', []));
      const components = root.split('/').filter(Boolean);
      if (components.length > 0) layouts.push(systemdLayout('/', '', components));
    }
  }
  if (driver !== 'systemd') layouts.push(cgroupfsLayout(root));
  return layouts;
}

export type PodCgroupLookup =
  | { found: true; path: string; driver: KubeletCgroupDriver }
  | { found: false; reason: 'kubelet_cgroups_not_found' | 'cgroup_not_found' | 'invalid_pod_uid'; message: string };

/** Kubernetes UIDs are UUIDs; anything that could walk the path is refused. */
const uidPattern = /^[0-9A-Za-z-]{1,64}$/;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds pods' cgroups under one cgroup v2 mount. The layout in use is the
 * first whose kubepods cgroup exists; it is remembered, and looked for
 * again only when its kubepods cgroup is gone (a kubelet restarted with
 * another driver).
 */
export class KubeletCgroups {
  #layout: KubeletLayout | undefined;

  constructor(
    readonly mount: string,
    readonly layouts: readonly KubeletLayout[],
    private readonly log?: Logger,
  ) {}

  /** The layout found, if any (for status and logs). */
  get layout(): KubeletLayout | undefined {
    return this.#layout;
  }

  locate(uid: string, qosClass: QosClass | undefined): PodCgroupLookup {
    if (!uidPattern.test(uid)) return { found: false, reason: 'invalid_pod_uid', message: `pod uid ${JSON.stringify(uid)} is not a Kubernetes UID` };
    let layout = this.#layout ?? this.#detect();
    if (!layout) {
      const tried = this.layouts.map((l) => join(this.mount, l.kubepods)).join(', ');
      return { found: false, reason: 'kubelet_cgroups_not_found', message: `no kubelet cgroup hierarchy: none of ${tried} exists (see --kubelet-cgroup-root and --kubelet-cgroup-driver)` };
    }
    const candidates = (layout: KubeletLayout) => (qosClass ? [qosClass] : allQosClasses).map((qos) => layout.podCgroup(uid, qos));
    let paths = candidates(layout);
    let path = paths.find((p) => isDirectory(join(this.mount, p)));
    if (path === undefined && !isDirectory(join(this.mount, layout.kubepods))) {
      layout = this.#detect();
      if (layout) {
        paths = candidates(layout);
        path = paths.find((p) => isDirectory(join(this.mount, p)));
      }
    }
    if (path !== undefined && layout) return { found: true, path, driver: layout.driver };
    return { found: false, reason: 'cgroup_not_found', message: `pod cgroup ${paths.map((p) => join(this.mount, p)).join(' or ')} does not exist (yet)` };
  }

  #detect(): KubeletLayout | undefined {
    const found = this.layouts.find((layout) => isDirectory(join(this.mount, layout.kubepods)));
    if (found !== this.#layout) {
      if (found) this.log?.info({ driver: found.driver, kubepods: join(this.mount, found.kubepods) }, 'kubelet cgroup hierarchy found');
      else if (this.#layout) this.log?.warn({ kubepods: join(this.mount, this.#layout.kubepods) }, 'kubelet cgroup hierarchy gone');
    }
    this.#layout = found;
    return found;
  }
}
