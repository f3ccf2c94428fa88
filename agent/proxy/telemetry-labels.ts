import type { Workload } from '../../control-plane/model/types.js';
import { spiffeId } from '../identity/identity.js';
import type { TcpLabels } from '../metrics.js';
import type { Destination, Endpoint } from '../state/destination.js';

const trustDomain = 'cluster.local';

function principal(workload: Workload): string {
  return spiffeId({ trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount });
}

/** Istio's workload label is the owner (Deployment), not the pod; the
 * `app` label stands for it so the label set stays bounded as pods churn. */
function workloadName(workload: Workload): string {
  return workload.labels['app'] ?? workload.name;
}

export function tcpLabels(source: Workload, destination: Destination, endpoint: Endpoint): TcpLabels {
  const service = destination.kind === 'service' ? destination.service : undefined;
  return {
    reporter: 'source',
    source_workload: workloadName(source),
    source_workload_namespace: source.namespace,
    source_principal: principal(source),
    destination_workload: workloadName(endpoint.workload),
    destination_workload_namespace: endpoint.workload.namespace,
    destination_principal: principal(endpoint.workload),
    destination_service: service ? `${service.name}.${service.namespace}.svc.cluster.local` : 'unknown',
    destination_service_name: service?.name ?? 'unknown',
    destination_service_namespace: service?.namespace ?? 'unknown',
    request_protocol: 'tcp',
    response_flags: '-',
    connection_security_policy: 'none',
  };
}
