/**
 * Why a local meshed workload is not enrolled. The reason is a metric label
 * (`weft_enrol_pending{reason}`), so the set is fixed and small: pod names
 * and paths go in the log line and the message, never in a label.
 */
import type { Gauge } from 'prom-client';
import type { Workload } from '../../model/types.js';

export const enrolFailureReasons = [
  /** the pod's cgroup does not exist (yet): the kubelet has not made it, or a file-mode path is wrong */
  'cgroup_not_found',
  /** no kubepods cgroup under the kubelet root for any driver tried */
  'kubelet_cgroups_not_found',
  /** neither spec.cgroup (file mode) nor a pod uid (Kubernetes), or a uid that is no UID */
  'no_cgroup_reference',
  /** the programs could not be attached to the cgroup */
  'attach_failed',
] as const;

export type EnrolFailureReason = (typeof enrolFailureReasons)[number];

export interface EnrolFailure {
  workload: Workload;
  code: EnrolFailureReason;
  /** for people: what was looked for, or the attach error */
  reason: string;
}

/** Reasons that end by themselves once a cgroup appears: worth a quick look between retries. */
export function waitsForCgroup(failure: EnrolFailure): boolean {
  return failure.code === 'cgroup_not_found' || failure.code === 'kubelet_cgroups_not_found';
}

/** Every reason gets a sample, zero included, so a dashboard sees a pending pod leave. */
export function reportEnrolPending(gauge: Gauge<'reason'>, failures: readonly EnrolFailure[]): void {
  for (const reason of enrolFailureReasons) gauge.set({ reason }, failures.filter((f) => f.code === reason).length);
}
