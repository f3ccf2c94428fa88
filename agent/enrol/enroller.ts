/**
 * Enrolment: every meshed workload of this node gets the hooks attached to
 * its cgroup; a workload that left gets them detached. The result maps cgroup
 * ids to workloads, which is how the proxy knows who is calling.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../../control-plane/model/types.js';
import type { Datapath } from '../datapath/datapath.js';
import type { Logger } from '../log.js';

export interface EnrolFailure {
  workload: Workload;
  reason: string;
}

export interface EnrolResult {
  byCgroupId: Map<bigint, Workload>;
  failures: EnrolFailure[];
  detached: string[];
}

/** The name a workload's link pins are kept under. bpffs refuses names
 * with a '.', and Kubernetes names never hold a '_': so '_' separates, and
 * stands for the dots a pod name may have, without ambiguity. */
export function enrolmentOwner(workload: Workload): string {
  return `${workload.namespace}_${workload.name.replaceAll('.', '_')}`;
}

export class Enroller {
  /** Owners this process attached or re-pointed, with their cgroup id: no repeat syscalls per reconcile. */
  readonly #current = new Map<string, bigint>();
  /** The last reason each owner failed for: a retry that fails the same way is not logged again. */
  readonly #failing = new Map<string, string>();

  constructor(
    private readonly datapath: Datapath,
    private readonly cgroupMount: string,
    private readonly log: Logger,
  ) {}

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
      // Kubernetes-sourced workloads name their pod (uid, qosClass) instead; finding its cgroup comes later.
      if (workload.cgroup === undefined) {
        result.failures.push({ workload, reason: 'cannot be enrolled without spec.cgroup' });
        continue;
      }
      const cgroupDir = join(this.cgroupMount, workload.cgroup);
      let cgroupId: bigint;
      try {
        cgroupId = statSync(cgroupDir, { bigint: true }).ino;
      } catch {
        result.failures.push({ workload, reason: `cgroup ${cgroupDir} does not exist` });
        continue;
      }
      if (this.#current.get(owner) === cgroupId) {
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
        this.#current.set(owner, cgroupId);
        result.byCgroupId.set(cgroupId, workload);
      } catch (error) {
        this.#current.delete(owner);
        let reason = (error as Error).message;
        try {
          this.datapath.detach(owner); // never leave one hook without the other
        } catch (cleanup) {
          reason += `; cleanup failed: ${(cleanup as Error).message}`;
        }
        result.failures.push({ workload, reason });
      }
    }
    const failing = new Map(result.failures.map((f) => [enrolmentOwner(f.workload), f.reason]));
    for (const [owner, reason] of failing) {
      if (this.#failing.get(owner) !== reason) this.log.warn({ owner, reason }, 'workload not enrolled');
    }
    this.#failing.clear();
    for (const [owner, reason] of failing) this.#failing.set(owner, reason);
    return result;
  }
}
