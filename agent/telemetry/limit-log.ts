/**
 * Connections refused by a limit, in the log: one line per listener and
 * reason per interval, saying how many were held back since the last. Every
 * refusal still counts in weft_connections_refused_total (weft-counters.ts);
 * a flood must not write a line per connection it is refused.
 */
import type { Logger } from '../../core/log.js';
import { LogThrottle } from '../../core/log-throttle.js';
import { channels, type TelemetryScope } from './events.js';
import { on, type Unsubscribe } from './subscription.js';

export const limitLogIntervalMs = 10_000;

export function subscribeLimitLog(scope: TelemetryScope, log: Logger): Unsubscribe {
  const throttle = new LogThrottle(limitLogIntervalMs);
  return on(channels.connectionLimited, scope, ({ listener, reason, source, limit }) => {
    const heldBack = throttle.take(`${listener}:${reason}`);
    if (heldBack === undefined) return;
    log.warn({ listener, reason, src: { addr: source }, limit, heldBack }, 'connection refused: a connection limit was reached');
  });
}
