import type { Service, ServicePort, Workload } from '../../model/types.js';
import type { Endpoint } from './destination.js';
import { serviceSelects } from '../../model/service-selects.js';

/** Services by VIP and port, each with its endpoints resolved once per config. */
export class ServiceIndex {
  readonly #byVip = new Map<string, { service: Service; port: ServicePort; endpoints: Endpoint[] }>();

  constructor(services: Service[], workloads: Workload[]) {
    for (const service of services) {
      const members = workloads.filter((workload) => serviceSelects(service, workload));
      for (const port of service.ports) {
        const endpoints = members.map((workload) => ({ workload, ip: workload.ip, port: port.targetPort }));
        this.#byVip.set(`${service.clusterIP}:${port.port}`, { service, port, endpoints });
      }
    }
  }

  byVip(ip: string, port: number) {
    return this.#byVip.get(`${ip}:${port}`);
  }

  *vips(): Generator<{ ip: string; port: number }> {
    for (const { service, port } of this.#byVip.values()) yield { ip: service.clusterIP, port: port.port };
  }
}
