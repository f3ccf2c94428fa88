/**
 * What the proxy knows: services, workloads, and which local cgroup belongs
 * to which workload. Readers take the current snapshot; `update` is called
 * only by the agent's updater, so a connection never sees half a config.
 */
import { SERVER_FIRST_PORTS, servicePortProtocol, type PortProtocol } from '../../model/port-protocol.js';
import type { GrpcRoute, MeshConfig, Service, ServicePort, Workload } from '../../model/types.js';
import { Authorizer } from '../authz/authorizer.js';
import { RouteTable } from '../http/route-table.js';
import type { Destination } from './destination.js';
import { ServiceIndex } from './service-index.js';

interface Snapshot {
  version: number;
  services: ServiceIndex;
  workloadsByIp: Map<string, Workload>;
  localByCgroupId: Map<bigint, Workload>;
  routes: RouteTable;
  grpcRoutes: readonly GrpcRoute[];
  /** port protocols as connections ask for them: one scan of the GRPCRoutes per port and config */
  protocols: Map<string, PortProtocol>;
  authorizer: Authorizer;
}

export class ProxyState {
  #snapshot: Snapshot = {
    version: 0,
    services: new ServiceIndex([], []),
    workloadsByIp: new Map(),
    localByCgroupId: new Map(),
    routes: RouteTable.EMPTY,
    grpcRoutes: [],
    protocols: new Map(),
    authorizer: Authorizer.compile([]),
  };

  update(config: MeshConfig, localByCgroupId: Map<bigint, Workload>): void {
    this.#snapshot = {
      version: this.#snapshot.version + 1,
      services: new ServiceIndex(config.services, config.workloads),
      workloadsByIp: new Map(config.workloads.map((workload) => [workload.ip, workload])),
      localByCgroupId: new Map(localByCgroupId),
      routes: RouteTable.compile(config),
      grpcRoutes: config.grpcRoutes,
      protocols: new Map(),
      authorizer: Authorizer.compile(config.authorizationPolicies),
    };
  }

  get version(): number {
    return this.#snapshot.version;
  }

  /** HTTPRoutes and GRPCRoutes, compiled per Service port and caller namespace. */
  get routes(): RouteTable {
    return this.#snapshot.routes;
  }

  /** The AuthorizationPolicies of this config, compiled; per workload on demand. */
  get authorizer(): Authorizer {
    return this.#snapshot.authorizer;
  }

  /** What a Service port carries (model/port-protocol.ts), a GRPCRoute attached to it counting as a declaration. */
  portProtocol(service: Service, port: ServicePort): PortProtocol {
    const { protocols, grpcRoutes } = this.#snapshot;
    const key = `${service.namespace}/${service.name}:${port.port}`;
    let protocol = protocols.get(key);
    if (protocol === undefined) {
      protocol = servicePortProtocol(service, port, grpcRoutes);
      protocols.set(key, protocol);
    }
    return protocol;
  }

  /**
   * Whether a pod port is opaque TCP to the destination proxy: a Service port that sends there is
   * declared TCP (appProtocol, the opaque-ports annotation, a server-first port), or, behind no
   * Service, the port is one of the server-first ones. Such a port's bytes are never parsed, so
   * policies apply to it under Istio's TCP rule.
   */
  opaquePodPort(ip: string, port: number): boolean {
    const serving = this.#snapshot.services.servingPorts(ip, port);
    if (serving.length === 0) return SERVER_FIRST_PORTS.has(port);
    return serving.some(({ service, port: servicePort }) => this.portProtocol(service, servicePort) === 'tcp');
  }

  /** A Service port by name, with its endpoints: where a route's backendRef sends. */
  servicePort(namespace: string, name: string, port: number) {
    return this.#snapshot.services.byName(namespace, name, port);
  }

  /** The workload a connection came from, by the cgroup its process is in. */
  sourceByCgroupId(cgroupId: bigint): Workload | undefined {
    return this.#snapshot.localByCgroupId.get(cgroupId);
  }

  /** The enrolled workloads of this node. */
  localWorkloads(): IterableIterator<Workload> {
    return this.#snapshot.localByCgroupId.values();
  }

  resolve(ip: string, port: number): Destination | undefined {
    const { services, workloadsByIp } = this.#snapshot;
    const vip = services.byVip(ip, port);
    if (vip) return { kind: 'service', ...vip };
    const workload = workloadsByIp.get(ip);
    if (workload?.mesh) return { kind: 'workload', workload, port };
    return undefined;
  }

  /** A meshed workload scheduled on `nodeName`, by pod IP: what an inbound tunnel may serve. */
  localWorkload(nodeName: string, ip: string): Workload | undefined {
    const destination = this.resolve(ip, 0);
    if (destination?.kind !== 'workload') return undefined;
    const { workload } = destination;
    return workload.node === nodeName && workload.mesh ? workload : undefined;
  }
}
