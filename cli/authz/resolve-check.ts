/**
 * The flags against the config: who calls (a Workload's identity, or a
 * plaintext address) and which endpoints are called. A Service's endpoints
 * come from the agent's own ServiceIndex, so the check and the proxy agree
 * on which workloads a Service selects and on each one's targetPort.
 */
import type { Endpoint } from '../../agent/state/destination.js';
import { ServiceIndex } from '../../agent/state/service-index.js';
import { spiffeId } from '../../core/spiffe-id.js';
import { workloadIdentity } from '../../agent/proxy/peer-identity.js';
import { servicePortProtocol, type PortProtocol } from '../../model/port-protocol.js';
import type { MeshConfig, Workload } from '../../model/types.js';
import { AuthzCheckUsageError } from './authz-check-errors.js';
import type { NamespacedName, ParsedFlags } from './check-flags.js';

export interface CheckSource {
  ip: string;
  principal?: string;
  namespace?: string;
  /** Why the source is not what was asked for, when it is not. */
  note?: string;
}

export interface CheckTargets {
  endpoints: Endpoint[];
  /** The Service port's protocol; undefined for a workload called by its IP. */
  protocol?: PortProtocol;
}

function findWorkload(config: MeshConfig, ref: NamespacedName, flag: string, dir: string): Workload {
  const found = config.workloads.find((workload) => workload.namespace === ref.namespace && workload.name === ref.name);
  if (!found) throw new AuthzCheckUsageError(`${flag}: workload ${ref.namespace}/${ref.name} not found in ${dir}`);
  return found;
}

export function resolveSource(config: MeshConfig, flags: ParsedFlags): CheckSource {
  if (flags.source.kind === 'plaintext') return { ip: flags.source.ip };
  const workload = findWorkload(config, flags.source.ref, '--from', flags.configDir);
  // An unmeshed workload's connections are never redirected into a proxy: they arrive as plaintext from its IP.
  if (!workload.mesh) return { ip: workload.ip, note: `${workload.namespace}/${workload.name} is not in the mesh: it calls as plaintext, without a principal` };
  return {
    ip: workload.ip,
    principal: spiffeId(workloadIdentity(workload, flags.trustDomain)),
    namespace: workload.namespace,
  };
}

export function resolveTargets(config: MeshConfig, flags: ParsedFlags): CheckTargets {
  const { ref } = flags.destination;
  if (flags.destination.kind === 'workload') {
    const workload = findWorkload(config, ref, '--to', flags.configDir);
    return { endpoints: [{ workload, ip: workload.ip, port: flags.port }] };
  }
  const service = config.services.find((candidate) => candidate.namespace === ref.namespace && candidate.name === ref.name);
  if (!service) throw new AuthzCheckUsageError(`--service: service ${ref.namespace}/${ref.name} not found in ${flags.configDir}`);
  const entry = new ServiceIndex(config.services, config.workloads).byName(ref.namespace, ref.name, flags.port);
  if (!entry) {
    const ports = service.ports.map((port) => port.port).join(', ');
    throw new AuthzCheckUsageError(`bad --port ${flags.port}: service ${ref.namespace}/${ref.name} has port${service.ports.length === 1 ? '' : 's'} ${ports}`);
  }
  return {
    endpoints: entry.endpoints,
    protocol: servicePortProtocol(entry.service, entry.port, config.grpcRoutes),
  };
}
