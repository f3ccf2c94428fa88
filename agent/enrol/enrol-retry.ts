/**
 * Enrolment is retried while a local meshed workload is not enrolled. A pod
 * usually waits for nothing but its cgroup, which the kubelet makes a moment
 * after the API reports the pod: that case is looked at every `pollMs` (a
 * stat per waiting pod) and retried as soon as the cgroup is there. Anything
 * else (an attach that failed) is retried every `retryMs`, since a full
 * retry rewrites every map.
 */
import type { EnrolFailure } from './enrol-failure.js';

export interface EnrolRetryOptions {
  retryMs: number;
  pollMs: number;
  /** the failures of the last enrolment */
  failures: () => readonly EnrolFailure[];
  /** whether a cgroup some failure waits for exists now */
  cgroupAppeared: (failures: readonly EnrolFailure[]) => boolean;
  retry: () => void;
}

/** The default look for a waiting pod's cgroup: well inside a second. */
export const cgroupPollMs = 200;

/** Starts the loop; the timer it returns is stopped with clearInterval. */
export function startEnrolRetry(options: EnrolRetryOptions): NodeJS.Timeout {
  let lastRetry = Date.now();
  return setInterval(() => {
    const failures = options.failures();
    if (failures.length === 0) return;
    const due = Date.now() - lastRetry >= options.retryMs;
    if (!due && !options.cgroupAppeared(failures)) return;
    lastRetry = Date.now();
    options.retry();
  }, Math.min(options.pollMs, options.retryMs));
}
