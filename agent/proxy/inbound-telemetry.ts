/**
 * Istio's labels as the destination side reports them (reporter="destination").
 * The source principal is what the peer certificate proved; the source
 * workload is named only when the pod IP the peer claims (Forwarded) belongs,
 * in our state, to a workload of that same identity; otherwise 'unknown'.
 */
import type { Workload } from '../../model/types.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import type { TcpLabels } from '../metrics.js';
import { workloadName } from './telemetry-labels.js';

export function inboundTcpLabels(
  peer: WorkloadIdentity,
  source: Workload | undefined,
  destination: Workload,
  destinationIdentity: WorkloadIdentity,
): TcpLabels {
  return {
    reporter: 'destination',
    source_workload: source ? workloadName(source) : 'unknown',
    source_workload_namespace: peer.namespace,
    source_principal: spiffeId(peer),
    destination_workload: workloadName(destination),
    destination_workload_namespace: destination.namespace,
    destination_principal: spiffeId(destinationIdentity),
    // The CONNECT names a pod, not the service the client dialled.
    destination_service: 'unknown',
    destination_service_name: 'unknown',
    destination_service_namespace: 'unknown',
    request_protocol: 'tcp',
    response_flags: '-',
    connection_security_policy: 'mutual_tls',
  };
}
