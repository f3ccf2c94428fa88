/**
 * A Pod -> a Workload manifest, the same kind file mode describes pods
 * with, minus the cgroup: the agent finds a pod's cgroup from its uid and
 * QoS class. Only pods that can carry traffic are workloads: scheduled,
 * Running, with an IPv4 address of their own (not hostNetwork).
 *
 * Meshing is opt-in, as in Istio ambient: a pod is meshed when its
 * namespace is labelled `weft.dev/mesh: enabled`, or the pod itself is;
 * the pod label `weft.dev/mesh: disabled` opts a pod out. A namespace
 * labelled `disabled` wins over a pod's `enabled` (the model says so, with
 * a warning).
 */
import { isIPv4 } from 'node:net';
import { type ConfigIssue, MESH_LABEL } from '../manifests/index.js';
import type { Pod } from './kubernetes-api-object.js';
import { createdAt, type MappingResult, prefixRewriter, sourceName } from './kubernetes-mapped-object.js';

/** Where each Workload field comes from in the Pod, for issues. */
const podPaths = prefixRewriter({
  'spec.node': 'spec.nodeName',
  'spec.ip': 'status.podIP',
  'spec.serviceAccount': 'spec.serviceAccountName',
  'spec.uid': 'metadata.uid',
  'spec.qosClass': 'status.qosClass',
  'spec.mesh': `metadata.labels[${JSON.stringify(MESH_LABEL)}]`,
});

function podIPv4(pod: Pod): string | undefined {
  const candidates = [...(pod.status?.podIPs ?? []).map((entry) => entry.ip), pod.status?.podIP];
  return candidates.find((ip): ip is string => typeof ip === 'string' && isIPv4(ip));
}

export function mapPod(pod: Pod, namespaceLabels: Readonly<Record<string, string>> | undefined): MappingResult {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  const phase = pod.status?.phase;
  if (phase !== 'Running') return { skipped: `phase ${phase ?? 'unknown'}` };
  if (pod.spec?.hostNetwork) return { skipped: 'hostNetwork: it shares the node address' };
  if (!pod.spec?.nodeName) return { skipped: 'not scheduled' };
  const ip = podIPv4(pod);
  if (ip === undefined) return { skipped: pod.status?.podIP ? 'no IPv4 address' : 'no IP yet' };

  const file = sourceName('Pod', namespace, name);
  const labels = { ...pod.metadata?.labels };
  const issues: ConfigIssue[] = [];
  const podMesh = labels[MESH_LABEL];
  if (podMesh !== undefined && podMesh !== 'enabled' && podMesh !== 'disabled') {
    issues.push({
      severity: 'warning',
      file,
      document: 0,
      path: `metadata.labels[${JSON.stringify(MESH_LABEL)}]`,
      message: `must be "enabled" or "disabled" (got "${podMesh}"); ignored`,
    });
  }
  const mesh = podMesh === 'disabled' ? false : podMesh === 'enabled' || namespaceLabels?.[MESH_LABEL] === 'enabled';

  const spec: Record<string, unknown> = { node: pod.spec.nodeName, ip };
  if (pod.spec.serviceAccountName) spec.serviceAccount = pod.spec.serviceAccountName;
  if (pod.metadata?.uid) spec.uid = pod.metadata.uid;
  if (pod.status?.qosClass) spec.qosClass = pod.status.qosClass;
  spec.mesh = mesh;

  return {
    file,
    created: createdAt(pod),
    manifest: {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name, namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
      spec,
    },
    apiPath: podPaths,
    ...(issues.length > 0 ? { issues } : {}),
  };
}
