/**
 * Istio's labels for a connection, computed once when it opens and shared by
 * the subscribers (TCP and HTTP families, access log lines).
 *
 * Source side (reporter="source"): connection_security_policy follows
 * ztunnel's source reporter, `mutual_tls` when the connection went through
 * the HBONE tunnel, `unknown` otherwise (a pod of this node is dialled
 * directly; Envoy sidecars report `unknown` on the source side always, since
 * the client cannot know).
 *
 * Destination side (reporter="destination"): the source principal is what
 * the peer certificate proved; the source workload is named only when the
 * pod IP the peer claims (Forwarded) belongs, in our state, to a workload of
 * that same identity; otherwise 'unknown'.
 */
import type { Workload } from '../../model/types.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import type { CapturedConnection, Connection, InboundConnection, OutboundConnection } from '../stack/connection.js';
import { filled } from '../stack/stack.js';
import type { Destination, Endpoint } from '../state/destination.js';
import type { TcpLabels } from './istio-metrics.js';
import type { HttpExchange } from '../http/exchange.js';

export const defaultTrustDomain = 'cluster.local';

/** Istio's workload label is the owner (Deployment), not the pod; the
 * `app` label stands for it so the label set stays bounded as pods churn,
 * with the `version` label after it when there is one (`reviews-v1`: the
 * Deployment name the app/version convention gives, which is what lets a
 * canary's split show per workload). */
export function workloadName(workload: Workload): string {
  const app = workload.labels['app'];
  if (app === undefined) return workload.name;
  const version = workload.labels['version'];
  return version === undefined ? app : `${app}-${version}`;
}

export interface ConnectionContext {
  /** the mesh's trust domain (the certificate provider's; cluster.local without one) */
  trustDomain: string;
  /** whether the upstream was reached through the mTLS tunnel to its node */
  tunnelled: boolean;
}

/** `endpoint` absent: a terminated HTTP connection, whose requests each go to an endpoint of their own (their labels say which). */
export function tcpLabels(source: Workload, destination: Destination, endpoint: Endpoint | undefined, context: ConnectionContext): TcpLabels {
  const { trustDomain } = context;
  const principal = (workload: Workload) => spiffeId({ trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount });
  const service = destination.kind === 'service' ? destination.service : undefined;
  return {
    reporter: 'source',
    source_workload: workloadName(source),
    source_workload_namespace: source.namespace,
    source_principal: principal(source),
    destination_workload: endpoint ? workloadName(endpoint.workload) : 'unknown',
    destination_workload_namespace: endpoint ? endpoint.workload.namespace : 'unknown',
    destination_principal: endpoint ? principal(endpoint.workload) : 'unknown',
    destination_service: service ? `${service.name}.${service.namespace}.svc.cluster.local` : 'unknown',
    destination_service_name: service?.name ?? 'unknown',
    destination_service_namespace: service?.namespace ?? 'unknown',
    request_protocol: 'tcp',
    response_flags: '-',
    connection_security_policy: context.tunnelled ? 'mutual_tls' : 'unknown',
  };
}

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

/**
 * One terminated request's labels: the backend actually chosen (a route may
 * send it to another Service than the one dialled) and the endpoint that
 * answered; `unknown` where the proxy answered before choosing one (no
 * route, no endpoint).
 */
export function exchangeLabels(exchange: HttpExchange, trustDomain: string): Described {
  const source = filled(exchange.connection.source, 'source');
  const { backend, endpoint } = exchange;
  const destination: Destination = backend ? { kind: 'service', ...backend } : filled(exchange.connection.destination, 'destination');
  const labels: TcpLabels = {
    ...tcpLabels(source, destination, endpoint, { trustDomain, tunnelled: exchange.tunnel !== undefined }),
    request_protocol: exchange.grpc ? 'grpc' : 'http',
    response_flags: exchange.flags,
  };
  const { ip, port } = exchange.connection.peer;
  return {
    labels,
    src: { workload: namespaced(source), principal: labels.source_principal, addr: `${ip}:${port}` },
    dst: {
      service: labels.destination_service,
      ...(endpoint ? { workload: namespaced(endpoint.workload), principal: labels.destination_principal, addr: `${endpoint.ip}:${endpoint.port}` } : {}),
    },
  };
}

/** A connected connection as telemetry names it: its labels, and its two ends as its log lines name them. */
export interface Described {
  labels: TcpLabels;
  src: Record<string, unknown>;
  dst: Record<string, unknown>;
}

const namespaced = (workload: Workload) => `${workload.namespace}/${workload.name}`;

/** Labels per connection, computed at first use (its open) and kept as long as the connection object lives. */
export class ConnectionLabels {
  readonly #described = new WeakMap<Connection, Described>();

  constructor(readonly trustDomain: string) {}

  of(connection: Connection): Described {
    let described = this.#described.get(connection);
    if (!described) {
      described =
        connection.direction === 'outbound' ? this.#outbound(connection) : connection.direction === 'inbound' ? inbound(connection) : this.#captured(connection);
      this.#described.set(connection, described);
    }
    return described;
  }

  /** A caller from outside the mesh: no identity on its side, plaintext, reported by the destination as Istio does. */
  #captured(connection: CapturedConnection): Described {
    const { workload, port } = connection.destination;
    const destinationPrincipal = spiffeId({ trustDomain: this.trustDomain, namespace: workload.namespace, serviceAccount: workload.serviceAccount });
    const labels: TcpLabels = {
      reporter: 'destination',
      source_workload: 'unknown',
      source_workload_namespace: 'unknown',
      source_principal: 'unknown',
      destination_workload: workloadName(workload),
      destination_workload_namespace: workload.namespace,
      destination_principal: destinationPrincipal,
      destination_service: 'unknown',
      destination_service_name: 'unknown',
      destination_service_namespace: 'unknown',
      request_protocol: 'tcp',
      response_flags: '-',
      connection_security_policy: 'none',
    };
    const { ip, port: peerPort } = connection.peer;
    return {
      labels,
      src: { addr: `${ip}:${peerPort}`, plaintext: true },
      dst: { workload: namespaced(workload), principal: destinationPrincipal, addr: `${workload.ip}:${port}` },
    };
  }

  #outbound(connection: OutboundConnection): Described {
    const source = filled(connection.source, 'source');
    // A terminated HTTP connection has no one endpoint: its requests say where each went.
    const endpoint = connection.http ? undefined : filled(connection.endpoint, 'endpoint');
    const labels = tcpLabels(source, filled(connection.destination, 'destination'), endpoint, {
      trustDomain: this.trustDomain,
      tunnelled: connection.tunnel !== undefined,
    });
    const { ip, port } = connection.peer;
    return {
      labels,
      src: { workload: namespaced(source), principal: labels.source_principal, addr: `${ip}:${port}` },
      dst: endpoint
        ? { service: labels.destination_service, workload: namespaced(endpoint.workload), principal: labels.destination_principal, addr: `${endpoint.ip}:${endpoint.port}` }
        : { service: labels.destination_service, protocol: connection.http!.client === 'http2' ? 'HTTP/2' : 'HTTP/1.1' },
    };
  }
}

function inbound(connection: InboundConnection): Described {
  const { peer, source, authority } = connection;
  const destination = filled(connection.destination, 'destination');
  const labels = inboundTcpLabels(peer.identity, source, destination.workload, destination.identity);
  return {
    labels,
    src: {
      principal: spiffeId(peer.identity),
      addr: peer.address,
      session: peer.sessionId,
      workload: source && namespaced(source),
      certificateSerial: peer.certificateSerial,
    },
    dst: { workload: namespaced(destination.workload), principal: labels.destination_principal, addr: authority },
  };
}
