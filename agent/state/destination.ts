import type { Service, ServicePort, Workload } from '../../model/types.js';

export interface Endpoint {
  workload: Workload;
  ip: string;
  port: number;
}

/** What an original destination (ip, port) means in the mesh. */
export type Destination =
  | { kind: 'service'; service: Service; port: ServicePort; endpoints: Endpoint[] }
  | { kind: 'workload'; workload: Workload; port: number };

export function serviceKey(service: Service, port: ServicePort): string {
  return `${service.namespace}/${service.name}:${port.port}`;
}

/** As log lines and refusals name it. */
export function describeDestination(destination: Destination): string {
  return destination.kind === 'service'
    ? serviceKey(destination.service, destination.port)
    : `${destination.workload.namespace}/${destination.workload.name}:${destination.port}`;
}
