/**
 * Authorization decisions as an operator reads them: weft_authorization_decisions_total
 * per deciding policy, and a log line per denial (and per AUDIT match) naming
 * the policy and rule, the caller and the destination. Allowed requests are
 * already in the access log; a second line each would double it.
 */
import type { Logger } from '../../core/log.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { channels, type AuthorizationDecided, type TelemetryScope } from './events.js';
import { on, type Unsubscribe } from './subscription.js';

export function subscribeAuthorization(scope: TelemetryScope, metrics: ProxyMetrics, log: Logger): Unsubscribe {
  return on(channels.authorizationDecision, scope, (message) => {
    const { decision } = message;
    const verdict = decision.allowed ? 'allow' : 'deny';
    metrics.authorizationDecisions.inc({ policy: decision.policy ?? '', action: decision.action ?? '', decision: verdict });
    for (const audit of decision.audits) metrics.authorizationDecisions.inc({ policy: audit.policy, action: 'AUDIT', decision: verdict });
    if (!decision.allowed) log.warn(describe(message), 'authorization denied');
    else if (decision.audits.length > 0) log.info(describe(message), 'authorization audit');
  });
}

function describe({ workload, request, decision, path }: AuthorizationDecided): Record<string, unknown> {
  const { source, destination, http } = request;
  return {
    policy: decision.policy,
    rule: decision.rule,
    reason: decision.reason,
    ...(decision.audits.length > 0 ? { audit: decision.audits } : {}),
    via: path,
    src: { principal: source.principal, addr: source.ip },
    dst: { workload: `${workload.namespace}/${workload.name}`, addr: `${destination.ip}:${destination.port}` },
    ...(http ? { request: { method: http.method, path: http.path, host: http.host } } : {}),
  };
}
