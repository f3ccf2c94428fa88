import type { Service, ServicePort, Workload } from '../../model/types.js';
import type { Endpoint } from './destination.js';
import { serviceSelects } from '../../model/service-selects.js';

export interface ServicePortEndpoints {
  service: Service;
  port: ServicePort;
  endpoints: Endpoint[];
}

/** Services by VIP and port, each with its endpoints resolved once per config. */
export class ServiceIndex {
  readonly #byVip = new Map<string, ServicePortEndpoints>();
  readonly #byName = new Map<string, ServicePortEndpoints>();
  /** pod ip:targetPort -> the Service ports that send there */
  readonly #byEndpoint = new Map<string, ServicePortEndpoints[]>();

  constructor(services: Service[], workloads: Workload[]) {
    for (const service of services) {
      const members = workloads.filter((workload) => serviceSelects(service, workload));
      for (const port of service.ports) {
        const endpoints = members.map((workload) => ({ workload, ip: workload.ip, port: port.targetPort }));
        const entry = { service, port, endpoints };
        this.#byVip.set(`${service.clusterIP}:${port.port}`, entry);
        this.#byName.set(`${service.namespace}/${service.name}:${port.port}`, entry);
        for (const endpoint of endpoints) {
          const key = `${endpoint.ip}:${endpoint.port}`;
          this.#byEndpoint.set(key, [...(this.#byEndpoint.get(key) ?? []), entry]);
        }
      }
    }
  }

  /** The Service ports whose endpoints include this pod ip:port. */
  servingPorts(ip: string, port: number): readonly ServicePortEndpoints[] {
    return this.#byEndpoint.get(`${ip}:${port}`) ?? [];
  }

  byVip(ip: string, port: number) {
    return this.#byVip.get(`${ip}:${port}`);
  }

  byName(namespace: string, name: string, port: number): ServicePortEndpoints | undefined {
    return this.#byName.get(`${namespace}/${name}:${port}`);
  }

  *vips(): Generator<{ ip: string; port: number }> {
    for (const { service, port } of this.#byVip.values()) yield { ip: service.clusterIP, port: port.port };
  }
}
