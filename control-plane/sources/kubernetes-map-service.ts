/**
 * A Service -> the Service manifest the model reads: its IPv4 cluster IP,
 * selector and TCP ports. What the mesh cannot intercept is left out rather
 * than reported, since every cluster has it: headless and ExternalName
 * Services (no VIP), IPv6-only ones, UDP and SCTP ports (kube-dns has both).
 * NodePort and LoadBalancer Services are meshed through their cluster IP.
 */
import { opaquePortsAnnotation } from '../../model/opaque-ports.js';
import { isIPv4 } from 'node:net';
import type { Service } from './kubernetes-api-object.js';
import { createdAt, type MappingResult, sourceName } from './kubernetes-mapped-object.js';

export function mapService(service: Service): MappingResult {
  const name = service.metadata?.name ?? '';
  const namespace = service.metadata?.namespace ?? 'default';
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return { skipped: 'ExternalName' };
  if (!spec.clusterIP || spec.clusterIP === 'None') return { skipped: 'headless' };
  const clusterIP = [...(spec.clusterIPs ?? []), spec.clusterIP].find((ip) => isIPv4(ip));
  if (clusterIP === undefined) return { skipped: 'no IPv4 cluster IP' };

  const tcp = (spec.ports ?? []).map((port, index) => ({ port, index })).filter(({ port }) => (port.protocol ?? 'TCP') === 'TCP');
  if (tcp.length === 0) return { skipped: 'no TCP ports' };
  const ports = tcp.map(({ port }) => ({
    ...(port.name ? { name: port.name } : {}),
    port: port.port,
    ...(port.targetPort === undefined ? {} : { targetPort: port.targetPort }),
    protocol: 'TCP',
    ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
  }));
  // Dropping UDP ports renumbers the rest: issues must name the port's index in the Service.
  const apiIndex = tcp.map(({ index }) => index);
  const apiPath = (path: string) => path.replace(/^spec\.ports\[(\d+)\]/, (whole, index: string) => {
    const original = apiIndex[Number(index)];
    return original === undefined ? whole : `spec.ports[${original}]`;
  });

  return {
    file: sourceName('Service', namespace, name),
    created: createdAt(service),
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, ...opaquePortsOf(service) },
      spec: { clusterIP, ...(spec.selector ? { selector: { ...spec.selector } } : {}), ports },
    },
    apiPath,
  };
}

/** The one annotation the mesh reads on a Service (model/opaque-ports.ts); the rest stay behind. */
function opaquePortsOf(service: { metadata?: { annotations?: Record<string, string> } }): { annotations?: Record<string, string> } {
  const value = service.metadata?.annotations?.[opaquePortsAnnotation];
  return value === undefined ? {} : { annotations: { [opaquePortsAnnotation]: value } };
}
