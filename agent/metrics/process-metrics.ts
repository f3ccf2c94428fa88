/** prom-client's process and Node.js families, as weft_process_*. */
import { collectDefaultMetrics, type Registry } from 'prom-client';

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'weft_process_' });
  // Gauges named like counters, which promtool check metrics rejects; the same counts stay in
  // weft_process_nodejs_active_{handles,requests,resources} (by type).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(`weft_process_${name}`);
  }
}
