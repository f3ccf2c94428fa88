/**
 * One proxy's telemetry: every subscriber of this folder on its scope, in
 * the order they record (metrics before the log line of the same event).
 */
import type { Logger } from '../../core/log.js';
import type { AgentMetrics } from '../metrics.js';
import type { AccessLogOptions } from '../proxy/access-log.js';
import { subscribeAccessLog } from './access-log.js';
import { subscribeAuthorization } from './authz-telemetry.js';
import type { TelemetryScope } from './events.js';
import { subscribeIstioHttp } from './istio-http.js';
import { subscribeIstioTcp } from './istio-tcp.js';
import { ConnectionLabels } from './labels.js';
import { all, type Unsubscribe } from './subscription.js';
import { subscribeLimitLog } from './limit-log.js';
import { subscribeWeftCounters } from './weft-counters.js';

export interface TelemetrySinks {
  metrics: AgentMetrics;
  /** the outbound listener's log, and the inbound's unless `inboundLog` */
  log: Logger;
  inboundLog?: Logger;
  accessLog?: AccessLogOptions;
  /** for the source side's principals */
  trustDomain: string;
}

export function subscribeTelemetry(scope: TelemetryScope, sinks: TelemetrySinks): Unsubscribe {
  const labels = new ConnectionLabels(sinks.trustDomain);
  const { metrics, log } = sinks;
  return all([
    subscribeWeftCounters(scope, metrics),
    subscribeLimitLog(scope, log),
    subscribeIstioTcp(scope, labels, metrics.istio),
    subscribeIstioHttp(scope, labels, metrics, log),
    subscribeAuthorization(scope, metrics.proxy, sinks.inboundLog ?? log),
    subscribeAccessLog(scope, labels, { outbound: log, inbound: sinks.inboundLog ?? log, ...(sinks.accessLog ? { options: sinks.accessLog } : {}) }),
  ]);
}
