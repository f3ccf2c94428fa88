/**
 * Workload on the wire (proto/weft/v1/mesh-core.proto). The model's `source`
 * (file and line of the manifest) stays behind: it means nothing on the
 * agent, and leaving it out of the proto keeps a manifest's reformatting
 * from changing versions.
 */
import type { Workload as WorkloadProto, Workload__Output } from '../../proto/generated/weft/v1/Workload.js';
import type { Workload } from '../../model/types.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import { sorted } from './wire-values.js';

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
};
