/** The endpoints to try, in order: round robin over a service's endpoints; a pod dialled by its IP is its own one. */
import { RoundRobin } from '../balance/load-balancer-round-robin.js';
import { ConnectionRefusedError } from '../proxy/proxy-errors.js';
import { describeDestination, serviceKey } from '../state/destination.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export function balance(): Layer<OutboundConnection> {
  // One rotation per listener, keyed by service name so a config update keeps it.
  const balancer = new RoundRobin();
  return (next) => (connection) => {
    const destination = filled(connection.destination, 'destination');
    const candidates =
      destination.kind === 'service'
        ? balancer.order(serviceKey(destination.service, destination.port), destination.endpoints)
        : [{ workload: destination.workload, ip: destination.workload.ip, port: destination.port }];
    if (candidates.length === 0) throw new ConnectionRefusedError('no_healthy_endpoint', `${describeDestination(destination)} has no endpoints`);
    connection.candidates = candidates;
    return next(connection);
  };
}
