/** How enrolment of this node's workloads stands. */
import { Gauge, type Registry } from 'prom-client';

export class EnrolMetrics {
  readonly failures: Gauge;
  /** Local meshed workloads not enrolled, by reason (agent/enrol/enrol-failure.ts: a fixed set) */
  readonly pending: Gauge<'reason'>;

  constructor(registry: Registry) {
    this.failures = new Gauge({
      name: 'weft_enrol_failures',
      help: 'Local workloads that could not be enrolled',
      registers: [registry],
    });
    this.pending = new Gauge({
      name: 'weft_enrol_pending',
      help: 'Local meshed workloads not enrolled yet, by reason (cgroup_not_found: the kubelet has not made the pod cgroup yet)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
