/**
 * The manifests a mesh on the testbed runs on: a Service per service and a
 * Workload per enrolled pod, each Workload pointing at its pod's address and
 * cgroup in this run.
 */
import { stringify } from 'yaml';
import type { PodSpec, Testbed } from './testbed.js';

export interface MeshPod extends PodSpec {
  labels?: Record<string, string>;
  serviceAccount?: string;
  /** false: a pod with no Workload manifest at all (never enrolled) */
  workload?: boolean;
}

export interface MeshService {
  name: string;
  clusterIP: string;
  port: number;
  targetPort?: number;
  selector: Record<string, string>;
  /** the port's appProtocol (its name is then `http`, `grpc`, ... after it); default a port named tcp */
  appProtocol?: string;
}

/** What a Workload document says; `cgroup` as a manifest writes it (the pod's cgroupPath). */
export interface WorkloadFields {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  node: string;
  ip: string;
  serviceAccount: string;
  cgroup: string;
}

export function workloadDocument(workload: WorkloadFields): Record<string, unknown> {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name: workload.name, namespace: workload.namespace, labels: workload.labels },
    spec: { node: workload.node, ip: workload.ip, serviceAccount: workload.serviceAccount, cgroup: workload.cgroup },
  };
}

export function serviceDocument(service: MeshService): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service.name, namespace: 'default' },
    spec: {
      clusterIP: service.clusterIP,
      selector: service.selector,
      ports: [
        {
          name: service.appProtocol ?? 'tcp',
          port: service.port,
          targetPort: service.targetPort ?? service.port,
          ...(service.appProtocol ? { appProtocol: service.appProtocol } : {}),
        },
      ],
    },
  };
}

/** One YAML stream: the services, then a Workload (namespace default) per pod that has one. */
export function meshManifests(testbed: Testbed, pods: MeshPod[], services: MeshService[]): string {
  const documents = services.map(serviceDocument);
  for (const pod of pods.filter((p) => p.workload !== false)) {
    const handle = testbed.pod(pod.name);
    documents.push(
      workloadDocument({
        name: pod.name,
        namespace: 'default',
        labels: pod.labels ?? {},
        node: pod.node,
        ip: handle.ip,
        serviceAccount: pod.serviceAccount ?? pod.name,
        cgroup: handle.cgroupPath,
      }),
    );
  }
  return yamlStream(documents);
}

export function yamlStream(documents: unknown[]): string {
  return documents.map((d) => stringify(d)).join('---\n');
}
