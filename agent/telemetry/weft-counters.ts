/** The proxy's own counters fed by events: refusals of both listeners, and inbound tunnel sessions open. */
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import type { TunnelMetrics } from '../metrics/tunnel-metrics.js';
import { channels, type TelemetryScope } from './events.js';
import { all, on, type Unsubscribe } from './subscription.js';

export function subscribeWeftCounters(scope: TelemetryScope, metrics: { proxy: ProxyMetrics; tunnel: TunnelMetrics }): Unsubscribe {
  return all([
    on(channels.connectionRefused, scope, ({ error }) => metrics.proxy.refused.inc({ reason: error.reason })),
    on(channels.tunnelRefused, scope, ({ reason }) => metrics.proxy.refused.inc({ reason })),
    on(channels.connectionLimited, scope, ({ reason }) => metrics.proxy.refused.inc({ reason })),
    // Outbound sessions are the pool's own (pool.ts records them).
    on(channels.tunnelSessionOpen, scope, () => metrics.tunnel.sessions.inc({ direction: 'inbound' })),
    on(channels.tunnelSessionClose, scope, ({ reason }) => {
      metrics.tunnel.sessions.dec({ direction: 'inbound' });
      metrics.tunnel.sessionsClosed.inc({ direction: 'inbound', reason: reason ?? 'peer' });
    }),
    on(channels.tunnelStreamReset, scope, () => metrics.tunnel.streamResets.inc()),
  ]);
}
