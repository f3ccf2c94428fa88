/**
 * What the API server fills in on write, for the fields clients read back:
 * identity and bookkeeping metadata on every object, and the Service
 * defaults a real cluster always shows (clusterIPs, ipFamilies, protocol,
 * targetPort, ...). No validation: the stand-in stores what a test gives it,
 * so a test can plant an object a real server would have refused.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './kube-object.js';
import type { ResourceType } from './resource-types.js';

/** Kubernetes timestamps are RFC 3339 with second precision. */
export function kubeTime(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function defaultService(object: KubeObject): void {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  object.spec = spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') {
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= [String(spec.clusterIP).includes(':') ? 'IPv6' : 'IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports as Record<string, unknown>[]) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  }
}

/**
 * Stamps `object` (a private copy) as stored at `resourceVersion`. `previous`
 * is the stored version it replaces: uid and creationTimestamp cannot change.
 */
export function stampObject(type: ResourceType, object: KubeObject, resourceVersion: number, previous: KubeObject | undefined): void {
  const metadata = object.metadata;
  if (type.namespaced) metadata.namespace ??= 'default';
  else delete metadata.namespace;
  metadata.uid = previous?.metadata.uid ?? metadata.uid ?? randomUUID();
  metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? metadata.creationTimestamp ?? kubeTime();
  metadata.resourceVersion = String(resourceVersion);
  if (type.custom) {
    // metadata.generation counts spec changes of a custom resource.
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(object.spec);
    metadata.generation = (previous?.metadata.generation ?? 0) + (previous === undefined || specChanged ? 1 : 0);
  }
  metadata.managedFields ??= [
    {
      manager: 'kube-standin',
      operation: previous ? 'Update' : 'Create',
      apiVersion: object.apiVersion,
      time: kubeTime(),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': {} },
    },
  ];
  if (type.kind === 'Service') defaultService(object);
}
