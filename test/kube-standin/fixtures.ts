/**
 * Objects as a real cluster returns them, not as a test would minimally
 * write them: owner references, managedFields, last-applied annotations,
 * container specs, conditions, dual fields (podIP/podIPs, clusterIP/clusterIPs).
 * A source that reads only what it needs must not trip over the rest.
 */
import { createHash } from 'node:crypto';
import { kubeTime } from './defaulting.js';
import type { KubeObject } from './kube-object.js';

const created = kubeTime(new Date('2025-01-01T00:00:00Z'));

/** A stable uid from a name, so that the same fixture has the same uid in every run (and in a YAML twin). */
export function uidFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function managedBy(manager: string, apiVersion: string, fields: Record<string, unknown>, subresource?: string): unknown {
  return { manager, operation: 'Update', apiVersion, time: created, fieldsType: 'FieldsV1', fieldsV1: fields, ...(subresource ? { subresource } : {}) };
}

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: uidFor(`namespace/${name}`),
      creationTimestamp: created,
      labels: { 'kubernetes.io/metadata.name': name, ...labels },
      managedFields: [managedBy('kubectl-create', 'v1', { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } })],
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface ServicePortFixture {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
}

export interface ServiceFixture {
  name: string;
  namespace: string;
  clusterIP: string;
  selector?: Record<string, string>;
  ports: ServicePortFixture[];
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  labels?: Record<string, string>;
}

export function service(fixture: ServiceFixture): KubeObject {
  const applied = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: fixture.name, namespace: fixture.namespace },
    spec: { selector: fixture.selector, ports: fixture.ports },
  };
  const ipv6 = fixture.clusterIP.includes(':');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: fixture.name,
      namespace: fixture.namespace,
      uid: uidFor(`service/${fixture.namespace}/${fixture.name}`),
      creationTimestamp: created,
      ...(fixture.labels ? { labels: fixture.labels } : {}),
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n` },
      managedFields: [
        managedBy('kubectl-client-side-apply', 'v1', {
          'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
          'f:spec': { 'f:internalTrafficPolicy': {}, 'f:ports': {}, 'f:selector': {}, 'f:sessionAffinity': {}, 'f:type': {} },
        }),
      ],
    },
    spec: {
      clusterIP: fixture.clusterIP,
      clusterIPs: [fixture.clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: [ipv6 ? 'IPv6' : 'IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: fixture.ports.map((port, index) => ({
        ...(port.name === undefined ? {} : { name: port.name }),
        port: port.port,
        protocol: port.protocol ?? 'TCP',
        targetPort: port.targetPort ?? port.port,
        ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
        ...(fixture.type === 'NodePort' || fixture.type === 'LoadBalancer' ? { nodePort: 30000 + index } : {}),
      })),
      ...(fixture.selector ? { selector: fixture.selector } : {}),
      sessionAffinity: 'None',
      type: fixture.type ?? 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

export interface PodFixture {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  node: string;
  /** Omitted: a pod that is scheduled but has no IP yet. */
  ip?: string;
  serviceAccount?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
  hostNetwork?: boolean;
}

export function pod(fixture: PodFixture): KubeObject {
  const serviceAccount = fixture.serviceAccount ?? 'default';
  const phase = fixture.phase ?? 'Running';
  const owner = fixture.name.replace(/-[a-z0-9]+$/, '');
  const hostIP = `172.18.0.${fixture.node.replace(/\D/g, '') || '1'}`;
  const running = phase === 'Running';
  const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
    type,
    status: running || type === 'PodScheduled' ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: created,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: fixture.name,
      generateName: `${owner}-`,
      namespace: fixture.namespace,
      uid: uidFor(`pod/${fixture.namespace}/${fixture.name}`),
      creationTimestamp: created,
      labels: { ...fixture.labels, 'pod-template-hash': '7d4b9c8f6' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: uidFor(`replicaset/${fixture.namespace}/${owner}`), controller: true, blockOwnerDeletion: true },
      ],
      managedFields: [
        managedBy('kube-controller-manager', 'v1', { 'f:metadata': { 'f:generateName': {}, 'f:labels': {}, 'f:ownerReferences': {} }, 'f:spec': { 'f:containers': {} } }),
        managedBy('kubelet', 'v1', { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {} } }, 'status'),
      ],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: `registry.example/${owner}:1.0`,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
          resources: fixture.qosClass === 'BestEffort' ? {} : { requests: { cpu: '100m', memory: '64Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      ...(fixture.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: fixture.node,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount,
      serviceAccountName: serviceAccount,
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [{ name: 'kube-api-access-x7k2p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
    },
    status: {
      conditions,
      containerStatuses: [
        {
          name: 'app',
          image: `registry.example/${owner}:1.0`,
          imageID: `registry.example/${owner}@sha256:${'ab'.repeat(32)}`,
          containerID: `containerd://${'cd'.repeat(32)}`,
          ready: running,
          restartCount: 0,
          started: running,
          state: running ? { running: { startedAt: created } } : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      phase,
      ...(fixture.ip === undefined ? {} : { podIP: fixture.ip, podIPs: [{ ip: fixture.ip }] }),
      qosClass: fixture.qosClass ?? 'Burstable',
      startTime: created,
    },
  };
}

export interface NodeFixture {
  name: string;
  /** The node's InternalIP; omitted: a node whose kubelet has not reported addresses yet. */
  internalIP?: string;
  /** Addresses listed before the InternalIP, as a real node may have them (an IPv6 InternalIP first on a dual-stack node). */
  otherAddresses?: Array<{ type: string; address: string }>;
  labels?: Record<string, string>;
}

/** A Node as the kubelet registers it: addresses with a Hostname entry, capacity, conditions, node info. */
export function node(fixture: NodeFixture): KubeObject {
  const addresses = [
    ...(fixture.otherAddresses ?? []),
    ...(fixture.internalIP === undefined ? [] : [{ type: 'InternalIP', address: fixture.internalIP }]),
    ...(fixture.internalIP === undefined && !fixture.otherAddresses ? [] : [{ type: 'Hostname', address: fixture.name }]),
  ];
  const resources = { cpu: '2', 'ephemeral-storage': '40970Mi', memory: '4026524Ki', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fixture.name,
      uid: uidFor(`node/${fixture.name}`),
      creationTimestamp: created,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': fixture.name,
        'kubernetes.io/os': 'linux',
        ...fixture.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      managedFields: [
        managedBy('kubelet', 'v1', { 'f:metadata': { 'f:annotations': {}, 'f:labels': {} } }),
        managedBy('kubelet', 'v1', { 'f:status': { 'f:addresses': {}, 'f:conditions': {}, 'f:nodeInfo': {} } }, 'status'),
      ],
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      addresses,
      allocatable: resources,
      capacity: resources,
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: created, lastTransitionTime: created, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: created, lastTransitionTime: created, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: uidFor(`boot/${fixture.name}`),
        containerRuntimeVersion: 'containerd://1.7.22',
        kernelVersion: '6.1.0-18-amd64',
        kubeProxyVersion: 'v1.31.0',
        kubeletVersion: 'v1.31.0',
        machineID: uidFor(`machine/${fixture.name}`).replace(/-/g, ''),
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: uidFor(`system/${fixture.name}`),
      },
    },
  };
}

/** A custom resource (route or policy): the spec is the test's, the bookkeeping a cluster's. */
export function customResource(apiVersion: string, kind: string, namespace: string, name: string, spec: unknown): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      uid: uidFor(`${kind}/${namespace}/${name}`),
      creationTimestamp: created,
      managedFields: [managedBy('kubectl-client-side-apply', apiVersion, { 'f:spec': {} })],
    },
    spec,
    status: kind.endsWith('Route') ? { parents: [] } : {},
  };
}
