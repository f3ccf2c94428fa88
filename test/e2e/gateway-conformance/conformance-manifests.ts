/**
 * The Gateway API mesh conformance suite's base manifests
 * (conformance/mesh/manifests.yaml) on the testbed: the namespaces
 * gateway-conformance-mesh and gateway-conformance-mesh-consumer, the
 * Services echo, echo-v1 and echo-v2 with upstream's ports, and a Workload
 * per pod where upstream has a Deployment. Upstream's mesh client is the
 * echo-v1 pod itself; here it is a pod of its own (`client`, on node-1), so
 * that the Service `echo` has exactly the two endpoints echo-v1 (node-1) and
 * echo-v2 (node-2) and a request from the client to echo-v2 crosses nodes
 * through the tunnel. The consumer namespace's echo-v1 carries upstream's
 * labels app=echo,version=v1: the Services, in the other namespace, must not
 * select it.
 */
import { workloadDocument, yamlStream } from '../../../testbed/mesh-manifests.js';
import type { PodSpec, Testbed } from '../../../testbed/testbed.js';

export interface ServicePortLike {
  name: string;
  port: number;
  targetPort?: number;
  appProtocol?: string;
}

export interface ServiceLike {
  name: string;
  clusterIP: string;
  selector: Record<string, string>;
  ports: ServicePortLike[];
}

export const meshNamespace = 'gateway-conformance-mesh';
export const consumerNamespace = 'gateway-conformance-mesh-consumer';

/** The suite's pods on the testbed. */
export interface ConformancePod extends PodSpec {
  namespace: string;
  /** the Workload's name (the testbed's pod names are unique across namespaces, Workload names need not be) */
  workloadName: string;
  labels: Record<string, string>;
  /** runs the echo app (reporting `version`) */
  echo?: { version: string };
}

export const pods: ConformancePod[] = [
  { name: 'client', workloadName: 'client', namespace: meshNamespace, node: 'node-1', labels: { app: 'client' } },
  { name: 'echo-v1', workloadName: 'echo-v1', namespace: meshNamespace, node: 'node-1', labels: { app: 'echo', version: 'v1' }, echo: { version: 'v1' } },
  { name: 'echo-v2', workloadName: 'echo-v2', namespace: meshNamespace, node: 'node-2', labels: { app: 'echo', version: 'v2' }, echo: { version: 'v2' } },
  {
    name: 'consumer-echo-v1',
    workloadName: 'echo-v1',
    namespace: consumerNamespace,
    node: 'node-1',
    labels: { app: 'echo', version: 'v1' },
    echo: { version: 'v1' },
  },
];

/** Upstream's ports, the same on all three Services; only `echo` declares its grpc port h2c. */
function ports(grpcAppProtocol?: string): ServicePortLike[] {
  return [
    { name: 'http', port: 80, appProtocol: 'http', targetPort: 8080 },
    { name: 'http-alt', port: 8080, appProtocol: 'http' },
    { name: 'https', port: 443, targetPort: 8443 },
    { name: 'tcp', port: 9090 },
    { name: 'grpc', port: 7070, ...(grpcAppProtocol ? { appProtocol: grpcAppProtocol } : {}) },
  ];
}

export const services: ServiceLike[] = [
  { name: 'echo-v1', clusterIP: '10.96.0.11', selector: { app: 'echo', version: 'v1' }, ports: ports() },
  { name: 'echo-v2', clusterIP: '10.96.0.12', selector: { app: 'echo', version: 'v2' }, ports: ports() },
  { name: 'echo', clusterIP: '10.96.0.10', selector: { app: 'echo' }, ports: ports('kubernetes.io/h2c') },
];

/** What a client in the mesh resolves a Service name to (the suite's DNS): `name`, `name.namespace`, the full name. */
export function serviceAddresses(): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const service of services) {
    for (const name of [service.name, `${service.name}.${meshNamespace}`, `${service.name}.${meshNamespace}.svc.cluster.local`]) addresses[name] = service.clusterIP;
  }
  return addresses;
}

export function baseManifests(testbed: Testbed): string {
  const documents: unknown[] = [meshNamespace, consumerNamespace].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'gateway-conformance': name === meshNamespace ? 'mesh' : 'mesh-consumer' } },
  }));
  for (const service of services) {
    documents.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service.name, namespace: meshNamespace },
      spec: { clusterIP: service.clusterIP, selector: service.selector, ports: service.ports },
    });
  }
  for (const pod of pods) {
    const handle = testbed.pod(pod.name);
    documents.push(
      workloadDocument({
        name: pod.workloadName,
        namespace: pod.namespace,
        labels: pod.labels,
        node: pod.node,
        ip: handle.ip,
        serviceAccount: pod.workloadName,
        cgroup: handle.cgroupPath,
      }),
    );
  }
  return yamlStream(documents);
}
