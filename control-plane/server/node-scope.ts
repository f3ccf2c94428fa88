/**
 * The part of the mesh config one node's agent receives. Each kind's rule is
 * in scope-rules.ts, which says what they are and why: all Services, the node's own workloads with every field, other
 * workloads only as endpoints of a Service and without cgroup/uid/qosClass,
 * routes and policies everywhere for now.
 */
import { meshResources } from '../../api/mesh-resources.js';
import type { EncodedResource, ResourceRegistry } from '../../api/resource-registry.js';
import type { MeshConfig } from '../../model/types.js';
import { scopeRules } from './scope-rules.js';

/** The scoped config, holding the registered kinds only (nothing else is streamed). */
export function scopeForNode(config: MeshConfig, node: string, registry: ResourceRegistry = meshResources()): MeshConfig {
  const scoped: Record<string, unknown[]> = {};
  for (const kind of registry.kinds()) {
    const rule = scopeRules[kind.configKey] as (objects: readonly unknown[], context: { config: MeshConfig; node: string }) => unknown[];
    scoped[kind.configKey] = rule(registry.objectsOf(config, kind), { config, node });
  }
  return scoped as unknown as MeshConfig;
}

/**
 * The node's scope as the stream sends it: resource name -> encoded, versioned
 * resource. Pass one `encoded` cache for all nodes of one config: an object
 * every node receives as is (a Service, a policy) is then encoded and hashed
 * once, not once per node. Scope rules return such objects by reference.
 */
export function resourcesForNode(
  config: MeshConfig,
  node: string,
  registry: ResourceRegistry = meshResources(),
  encoded: WeakMap<object, EncodedResource> = new WeakMap(),
): Map<string, EncodedResource> {
  const scoped = scopeForNode(config, node, registry);
  const resources = new Map<string, EncodedResource>();
  for (const kind of registry.kinds()) {
    for (const object of registry.objectsOf(scoped, kind) as object[]) {
      let resource = encoded.get(object);
      if (!resource) {
        resource = registry.encode(kind, object);
        encoded.set(object, resource);
      }
      resources.set(resource.name, resource);
    }
  }
  return resources;
}
