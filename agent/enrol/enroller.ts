/**
 * Enrolment: every meshed workload of this node gets the hooks attached to
 * its cgroup; a workload that left gets them detached. The result maps cgroup
 * ids to workloads, which is how the proxy knows who is calling.
 *
 * A file-mode workload names its cgroup (spec.cgroup); a Kubernetes one names
 * its pod (uid, qosClass), whose cgroup the kubelet makes, maybe after the
 * pod is reported: until it exists the workload is a failure with a reason,
 * retried (enrol-retry.ts).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../../model/types.js';
import type { Datapath } from '../datapath/datapath.js';
import type { Logger } from '../../core/log.js';
import { type EnrolFailure, type EnrolFailureReason, waitsForCgroup } from './enrol-failure.js';
import type { KubeletCgroups } from './kubelet-cgroups.js';

export type { EnrolFailure } from './enrol-failure.js';

export interface EnrolResult {
  byCgroupId: Map<bigint, Workload>;
  failures: EnrolFailure[];
  detached: string[];
}

type Located = { found: true; dir: string } | { found: false; code: EnrolFailureReason; reason: string };

/** The name a workload's link pins are kept under. bpffs refuses names
 * with a '.', and Kubernetes names never hold a '_': so '_' separates, and
 * stands for the dots a pod name may have, without ambiguity. */
export function enrolmentOwner(workload: Workload): string {
  return `${workload.namespace}_${workload.name.replaceAll('.', '_')}`;
}

export class Enroller {
  /** Owners this process attached or re-pointed, with their cgroup: no repeat syscalls per reconcile. */
  readonly #current = new Map<string, { cgroupId: bigint; dir: string }>();
  /** The last reason each owner failed for: a retry that fails the same way is not logged again. */
  readonly #failing = new Map<string, EnrolFailureReason>();

  constructor(
    private readonly datapath: Datapath,
    private readonly cgroupMount: string,
    private readonly log: Logger,
    /** finds Kubernetes pods' cgroups; without it only file-mode workloads enrol */
    private readonly kubelet?: KubeletCgroups,
  ) {}

  /** The cgroup directory of an enrolled workload (its processes are in it or below it). */
  cgroupDir(workload: Workload): string | undefined {
    return this.#current.get(enrolmentOwner(workload))?.dir;
  }

  /** True when a workload that failed for want of a cgroup now has one: a
   * stat or two per waiting pod, cheap enough to ask several times a second. */
  cgroupAppeared(failures: readonly EnrolFailure[]): boolean {
    return failures.some((failure) => {
      if (!waitsForCgroup(failure)) return false;
      const located = this.#locate(failure.workload);
      if (!located.found) return false;
      try {
        statSync(located.dir);
        return true;
      } catch {
        return false;
      }
    });
  }

  reconcile(localWorkloads: Workload[]): EnrolResult {
    const desired = new Map(localWorkloads.filter((w) => w.mesh).map((w) => [enrolmentOwner(w), w]));
    const result: EnrolResult = { byCgroupId: new Map(), failures: [], detached: [] };

    for (const owner of this.datapath.owners()) {
      if (desired.has(owner)) continue;
      this.datapath.detach(owner);
      this.#current.delete(owner);
      result.detached.push(owner);
      this.log.info({ owner }, 'workload unenrolled');
    }

    for (const [owner, workload] of desired) {
      const located = this.#locate(workload);
      if (!located.found) {
        result.failures.push({ workload, code: located.code, reason: located.reason });
        continue;
      }
      const cgroupDir = located.dir;
      let cgroupId: bigint;
      try {
        cgroupId = statSync(cgroupDir, { bigint: true }).ino;
      } catch {
        result.failures.push({ workload, code: 'cgroup_not_found', reason: `cgroup ${cgroupDir} does not exist` });
        continue;
      }
      if (this.#current.get(owner)?.cgroupId === cgroupId) {
        result.byCgroupId.set(cgroupId, workload);
        continue;
      }
      try {
        const current = this.datapath.attachment(owner);
        // A pod recreated under the same path has a new cgroup: the old links point at a dead one.
        if (current && current.cgroupId !== cgroupId) this.datapath.detach(owner);
        const fresh = !current || current.cgroupId !== cgroupId;
        this.datapath.attach(owner, cgroupDir);
        if (fresh) this.log.info({ owner, cgroup: cgroupDir, cgroupId: String(cgroupId) }, 'workload enrolled');
        this.#current.set(owner, { cgroupId, dir: cgroupDir });
        result.byCgroupId.set(cgroupId, workload);
      } catch (error) {
        this.#current.delete(owner);
        let reason = (error as Error).message;
        try {
          this.datapath.detach(owner); // never leave one hook without the other
        } catch (cleanup) {
          reason += `; cleanup failed: ${(cleanup as Error).message}`;
        }
        result.failures.push({ workload, code: 'attach_failed', reason });
      }
    }
    // One line per workload and reason: a pod waiting for its cgroup is not logged at every retry.
    const failing = new Map(result.failures.map((f) => [enrolmentOwner(f.workload), f]));
    for (const [owner, failure] of failing) {
      if (this.#failing.get(owner) !== failure.code) {
        this.log.warn({ owner, code: failure.code, reason: failure.reason, ...podOf(failure.workload) }, 'workload not enrolled');
      }
    }
    this.#failing.clear();
    for (const [owner, failure] of failing) this.#failing.set(owner, failure.code);
    return result;
  }

  /** Where a workload's cgroup is: named by the workload (file mode) or found from its pod (Kubernetes). */
  #locate(workload: Workload): Located {
    if (workload.cgroup !== undefined) return { found: true, dir: join(this.cgroupMount, workload.cgroup) };
    if (workload.uid === undefined) {
      return { found: false, code: 'no_cgroup_reference', reason: 'the workload has neither spec.cgroup nor a pod uid' };
    }
    if (!this.kubelet) return { found: false, code: 'no_cgroup_reference', reason: 'this agent finds no pod cgroups (no kubelet cgroup root)' };
    const lookup = this.kubelet.locate(workload.uid, workload.qosClass);
    if (lookup.found) return { found: true, dir: join(this.cgroupMount, lookup.path) };
    return { found: false, code: lookup.reason === 'invalid_pod_uid' ? 'no_cgroup_reference' : lookup.reason, reason: lookup.message };
  }
}

function podOf(workload: Workload): Record<string, string> {
  return workload.uid === undefined ? {} : { uid: workload.uid, ...(workload.qosClass ? { qosClass: workload.qosClass } : {}) };
}
