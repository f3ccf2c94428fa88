/**
 * Any watched API object -> its manifest. Namespaces keep their labels (the
 * mesh switch); routes and policies pass through with their spec, which the
 * model validates exactly as it validates a file's; Pods and Services are
 * translated (kubernetes-map-pod.ts, kubernetes-map-service.ts).
 */
import type { ApiObject, Pod, Service } from './kubernetes-api-object.js';
import { createdAt, type MappingResult, sourceName } from './kubernetes-mapped-object.js';
import { mapPod } from './kubernetes-map-pod.js';
import { mapService } from './kubernetes-map-service.js';
import type { WatchedResource } from './kubernetes-resources.js';

/** Namespace name -> labels, for deciding which pods are meshed. */
export type NamespaceLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

function mapNamespace(object: ApiObject): MappingResult {
  const name = object.metadata?.name ?? '';
  const labels = object.metadata?.labels;
  return {
    file: sourceName('Namespace', undefined, name),
    created: createdAt(object),
    manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}) } },
  };
}

/** A custom resource as its own manifest: only name, namespace and spec are read; status and bookkeeping are not. */
function passThrough(resource: WatchedResource, object: ApiObject): MappingResult {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace ?? 'default';
  const spec = object.spec;
  return {
    file: sourceName(resource.kind, namespace, name),
    created: createdAt(object),
    manifest: { apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name, namespace }, ...(spec === undefined ? {} : { spec }) },
  };
}

export function mapObject(resource: WatchedResource, object: ApiObject, namespaces: NamespaceLabels): MappingResult {
  switch (resource.kind) {
    case 'Namespace':
      return mapNamespace(object);
    case 'Service':
      return mapService(object as Service);
    case 'Pod':
      return mapPod(object as Pod, namespaces.get(object.metadata?.namespace ?? 'default'));
    case 'Node':
      // Nodes are addresses, not manifests: kubernetes-map-node.ts.
      return { skipped: 'a Node is read for its address only' };
    default:
      return passThrough(resource, object);
  }
}
