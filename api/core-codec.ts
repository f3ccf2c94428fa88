/**
 * Service, Workload and Namespace on the wire (proto/weft/v1/mesh-core.proto). The
 * model's `source` (file and line of the manifest) stays behind: it means
 * nothing on the agent, and leaving it out of the proto keeps a manifest's
 * reformatting from changing versions.
 */
import type { Namespace as NamespaceProto, Namespace__Output } from '../proto/generated/weft/v1/Namespace.js';
import type { MeshNode as MeshNodeProto, MeshNode__Output } from '../proto/generated/weft/v1/MeshNode.js';
import type { Service as ServiceProto, Service__Output } from '../proto/generated/weft/v1/Service.js';
import type { Workload as WorkloadProto, Workload__Output } from '../proto/generated/weft/v1/Workload.js';
import type { Service, ServicePort, Workload } from '../model/types.js';
import * as check from './field-checks.js';
import { type ResourceKind, resourceSource } from './resource-kind.js';
import { everyNode, reachableWorkloads } from './scope-rules.js';

export const QOS_CLASSES = ['Guaranteed', 'Burstable', 'BestEffort'] as const;

/**
 * The Workload as this codec reads and writes it. The model is gaining an
 * optional cgroup and optional uid/qosClass (Kubernetes mode finds the cgroup
 * from those); going through this view compiles before and after that change.
 */
export type WorkloadWire = Omit<Workload, 'cgroup' | 'uid' | 'qosClass'> & {
  cgroup?: string;
  uid?: string;
  qosClass?: string;
};

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function portFromProto(port: Service__Output['ports'][number], field: string): ServicePort {
  return {
    ...(port.name === '' ? {} : { name: check.dnsLabel(port.name, `${field}.name`) }),
    port: check.port(port.port, `${field}.port`),
    targetPort: check.port(port.targetPort, `${field}.targetPort`),
    protocol: check.oneOf(['TCP'], port.protocol, `${field}.protocol`),
    ...(port.appProtocol === undefined ? {} : { appProtocol: check.nonEmpty(port.appProtocol, `${field}.appProtocol`) }),
  };
}

export const serviceKind: ResourceKind<'services', ServiceProto, Service__Output> = {
  kind: 'Service',
  field: 'service',
  configKey: 'services',
  key: (service) => `${service.namespace}/${service.name}`,
  toProto: (service: Service): ServiceProto => ({
    name: service.name,
    namespace: service.namespace,
    clusterIp: service.clusterIP,
    selector: sorted(service.selector),
    ports: service.ports.map((port) => ({
      name: port.name ?? '',
      port: port.port,
      targetPort: port.targetPort,
      protocol: port.protocol,
      ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
    })),
  }),
  fromProto: (body: Service__Output, name: string): Service => {
    if (body.ports.length === 0) throw new Error('ports: a Service needs at least one port');
    return {
      name: check.serviceName(body.name, 'name'),
      namespace: check.dnsLabel(body.namespace, 'namespace'),
      clusterIP: check.ipv4(body.clusterIp, 'clusterIp'),
      selector: check.labels(body.selector, 'selector'),
      ports: body.ports.map((port, index) => portFromProto(port, `ports[${index}]`)),
      source: resourceSource(name),
    };
  },
  scope: everyNode,
};

export const workloadKind: ResourceKind<'workloads', WorkloadProto, Workload__Output> = {
  kind: 'Workload',
  field: 'workload',
  configKey: 'workloads',
  key: (workload) => `${workload.namespace}/${workload.name}`,
  toProto: (model: Workload): WorkloadProto => {
    const workload = model as WorkloadWire;
    return {
      name: workload.name,
      namespace: workload.namespace,
      labels: sorted(workload.labels),
      node: workload.node,
      ip: workload.ip,
      serviceAccount: workload.serviceAccount,
      ...(workload.cgroup === undefined ? {} : { cgroup: workload.cgroup }),
      ...(workload.uid === undefined ? {} : { uid: workload.uid }),
      ...(workload.qosClass === undefined ? {} : { qosClass: workload.qosClass }),
      mesh: workload.mesh,
    };
  },
  fromProto: (body: Workload__Output, name: string): Workload => {
    const workload: WorkloadWire = {
      name: check.dnsSubdomain(body.name, 'name'),
      namespace: check.dnsLabel(body.namespace, 'namespace'),
      labels: check.labels(body.labels, 'labels'),
      node: check.dnsSubdomain(body.node, 'node'),
      ip: check.ipv4(body.ip, 'ip'),
      serviceAccount: check.dnsSubdomain(body.serviceAccount, 'serviceAccount'),
      ...(body.cgroup === undefined ? {} : { cgroup: check.cgroupPath(body.cgroup, 'cgroup') }),
      ...(body.uid === undefined ? {} : { uid: check.uid(body.uid, 'uid') }),
      ...(body.qosClass === undefined ? {} : { qosClass: check.oneOf(QOS_CLASSES, body.qosClass, 'qosClass') }),
      mesh: body.mesh,
      source: resourceSource(name),
    };
    return workload as Workload;
  },
  scope: reachableWorkloads,
};

export const namespaceKind: ResourceKind<'namespaces', NamespaceProto, Namespace__Output> = {
  kind: 'Namespace',
  field: 'namespace',
  configKey: 'namespaces',
  key: (namespace) => namespace.name,
  toProto: (namespace) => ({ name: namespace.name, labels: sorted(namespace.labels) }),
  fromProto: (body: Namespace__Output, name: string) => ({
    name: check.dnsLabel(body.name, 'name'),
    labels: check.labels(body.labels, 'labels'),
    source: resourceSource(name),
  }),
  scope: everyNode,
};

export const nodeKind: ResourceKind<'nodes', MeshNodeProto, MeshNode__Output> = {
  kind: 'Node',
  field: 'meshNode',
  configKey: 'nodes',
  key: (node) => node.name,
  toProto: (node) => ({ name: node.name, ip: node.ip }),
  fromProto: (body: MeshNode__Output, name: string) => ({
    name: check.nonEmpty(body.name, 'name'),
    ip: check.ipv4(body.ip, 'ip'),
    source: resourceSource(name),
  }),
  scope: everyNode,
};
