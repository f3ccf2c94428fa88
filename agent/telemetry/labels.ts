/**
 * Istio's labels as the source side reports them (reporter="source"), for a
 * connection from a local workload to a mesh destination.
 *
 * connection_security_policy follows ztunnel's source reporter:
 * `mutual_tls` when the connection went through the HBONE tunnel, `unknown`
 * otherwise (a pod of this node is dialled directly; Envoy sidecars report
 * `unknown` on the source side always, since the client cannot know).
 */
import type { Workload } from '../../model/types.js';
import { spiffeId } from '../../core/spiffe-id.js';
import type { TcpLabels } from '../metrics.js';
import type { Destination, Endpoint } from '../state/destination.js';

export const defaultTrustDomain = 'cluster.local';

/** Istio's workload label is the owner (Deployment), not the pod; the
 * `app` label stands for it so the label set stays bounded as pods churn. */
export function workloadName(workload: Workload): string {
  return workload.labels['app'] ?? workload.name;
}

export interface ConnectionContext {
  /** the mesh's trust domain (the certificate provider's; cluster.local without one) */
  trustDomain: string;
  /** whether the upstream was reached through the mTLS tunnel to its node */
  tunnelled: boolean;
}

export function tcpLabels(source: Workload, destination: Destination, endpoint: Endpoint, context: ConnectionContext): TcpLabels {
  const { trustDomain } = context;
  const principal = (workload: Workload) => spiffeId({ trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount });
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
    connection_security_policy: context.tunnelled ? 'mutual_tls' : 'unknown',
  };
}
