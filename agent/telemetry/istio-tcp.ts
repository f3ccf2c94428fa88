/** istio_tcp_*: opened when the connection is connected, closed with its byte counts when the copy ends. */
import type { Connection } from '../stack/connection.js';
import { filled } from '../stack/stack.js';
import { channels, type TelemetryScope } from './events.js';
import type { IstioMetrics } from './istio-metrics.js';
import type { ConnectionLabels } from './labels.js';
import { all, on, type Unsubscribe } from './subscription.js';

export function subscribeIstioTcp(scope: TelemetryScope, labels: ConnectionLabels, istio: IstioMetrics): Unsubscribe {
  const open = new WeakMap<Connection, ReturnType<IstioMetrics['tcpConnection']>>();
  return all([
    on(channels.connectionOpen, scope, ({ connection }) => open.set(connection, istio.tcpConnection(labels.of(connection).labels))),
    on(channels.connectionClose, scope, ({ connection }) => {
      const { sent, received } = filled(connection.result, 'result');
      open.get(connection)?.closed(sent, received);
    }),
  ]);
}
