/** Enrolment's configuration failures, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** --kubelet-cgroup-root is not an absolute cgroup path without '..'. */
export class KubeletCgroupRootError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_KUBELET_CGROUP_ROOT', message);
  }
}
