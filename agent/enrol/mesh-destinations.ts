/**
 * The `mesh_dst` map holds exactly the destinations connect4 redirects:
 * every service VIP:port and every meshed workload IP (any port).
 */
import type { MeshConfig } from '../../model/types.js';
import type { Datapath } from '../datapath/datapath.js';
import { MeshDestinationKind } from '../datapath/map-codec.js';

export function syncMeshDestinations(datapath: Datapath, config: MeshConfig): { added: number; removed: number } {
  const desired = new Map<string, { ip: string; port: number; kind: MeshDestinationKind }>();
  for (const service of config.services) {
    for (const port of service.ports) {
      desired.set(`${service.clusterIP}:${port.port}`, { ip: service.clusterIP, port: port.port, kind: MeshDestinationKind.service });
    }
  }
  for (const workload of config.workloads) {
    if (workload.mesh) desired.set(`${workload.ip}:0`, { ip: workload.ip, port: 0, kind: MeshDestinationKind.workload });
  }

  let removed = 0;
  for (const { ip, port } of datapath.meshDestinations()) {
    if (!desired.has(`${ip}:${port}`) && datapath.removeMeshDestination(ip, port)) removed++;
  }
  for (const { ip, port, kind } of desired.values()) datapath.addMeshDestination(ip, port, kind);
  return { added: desired.size, removed };
}
