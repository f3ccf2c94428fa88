/**
 * The agent's copy of its resources: the last good version of each, by name.
 * A response's resources are decoded one by one; one that fails leaves its
 * previous version (if any) in force and is reported for the NACK, and the
 * others apply. The store is also what a reconnect tells the control plane
 * it holds (`initial_resource_versions`).
 */
import type { DecodedResource, ResourceRegistry } from '../../api/resource-registry.js';
import type { MeshConfig } from '../../model/types.js';
import type { DiscoveryResponse__Output } from '../../proto/generated/weft/v1/DiscoveryResponse.js';
import { ResourceRejectedError } from '../../api/api-errors.js';

export interface ResourceError {
  name: string;
  message: string;
}

export interface StoreChange {
  changed: string[];
  removed: string[];
  rejected: ResourceError[];
}

export class ResourceStore {
  readonly #resources = new Map<string, DecodedResource>();

  constructor(readonly registry: ResourceRegistry) {}

  apply(response: DiscoveryResponse__Output): StoreChange {
    const change: StoreChange = { changed: [], removed: [], rejected: [] };
    for (const resource of response.resources) {
      try {
        const decoded = this.registry.decode(resource);
        this.#resources.set(decoded.name, decoded);
        change.changed.push(decoded.name);
      } catch (error) {
        const message = error instanceof ResourceRejectedError ? error.message : `cannot decode: ${String(error)}`;
        change.rejected.push({ name: resource.name, message });
      }
    }
    for (const name of response.removedResources) {
      if (this.#resources.delete(name)) change.removed.push(name);
    }
    return change;
  }

  versions(): Record<string, string> {
    return Object.fromEntries([...this.#resources.values()].map(({ name, version }) => [name, version]));
  }

  config(): MeshConfig {
    return this.registry.assemble(this.#resources.values());
  }

  get size(): number {
    return this.#resources.size;
  }
}
