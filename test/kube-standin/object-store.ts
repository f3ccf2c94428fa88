/**
 * The stand-in's etcd: objects per resource type, one global resourceVersion
 * that every write increments (as etcd's revision does), and a window of
 * recent events from which watches resume. A watch from before the window
 * gets 410 Gone, which is what forces a client to relist.
 */
import { stampObject } from './defaulting.js';
import { type KubeObject, objectKey } from './kube-object.js';
import { type ResourceType, typeOfObject } from './resource-types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  namespace: string | undefined;
  resourceVersion: number;
  /** The object as of this event (for DELETED: its last state, at the deletion's resourceVersion). */
  object: KubeObject;
}

export interface ObjectStoreOptions {
  /** How many events are kept for watches to resume from; older ones are compacted away. */
  historyLimit?: number;
  /** The first resourceVersion handed out is one more than this (real clusters never start at 1). */
  initialResourceVersion?: number;
}

export class ObjectStore {
  readonly #objects = new Map<ResourceType, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #historyLimit: number;
  #resourceVersion: number;
  /** Watches may resume from this resourceVersion or later: every event after it is still in #history. */
  #oldestWatchable: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 1000;
    this.#resourceVersion = options.initialResourceVersion ?? 1000;
    this.#oldestWatchable = this.#resourceVersion;
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  get oldestWatchable(): number {
    return this.#oldestWatchable;
  }

  #bucket(type: ResourceType): Map<string, KubeObject> {
    let bucket = this.#objects.get(type);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(type, bucket);
    }
    return bucket;
  }

  static typeOf(object: Pick<KubeObject, 'apiVersion' | 'kind'>): ResourceType {
    const type = typeOfObject(object.apiVersion, object.kind);
    if (!type) throw new Error(`kube-standin does not serve ${object.apiVersion} ${object.kind}`);
    return type;
  }

  /** Creates or replaces an object (an upsert, like `kubectl apply`); returns the stored copy. */
  put(input: KubeObject): KubeObject {
    const type = ObjectStore.typeOf(input);
    const object = structuredClone(input);
    const bucket = this.#bucket(type);
    const namespace = type.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
    const key = objectKey(namespace, object.metadata.name);
    const previous = bucket.get(key);
    stampObject(type, object, this.#resourceVersion + 1, previous);
    this.#resourceVersion++;
    bucket.set(key, object);
    this.#record({ type: previous ? 'MODIFIED' : 'ADDED', resource: type, namespace, resourceVersion: this.#resourceVersion, object });
    return structuredClone(object);
  }

  /** Deletes at once (no graceful termination); false when there was nothing to delete. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const type = ObjectStore.typeOf({ apiVersion, kind });
    const key = objectKey(type.namespaced ? (namespace ?? 'default') : undefined, name);
    const bucket = this.#bucket(type);
    const previous = bucket.get(key);
    if (!previous) return false;
    bucket.delete(key);
    this.#resourceVersion++;
    const object = structuredClone(previous);
    object.metadata.resourceVersion = String(this.#resourceVersion);
    this.#record({ type: 'DELETED', resource: type, namespace: object.metadata.namespace, resourceVersion: this.#resourceVersion, object });
    return true;
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    const excess = this.#history.length - this.#historyLimit;
    if (excess > 0) {
      const dropped = this.#history.splice(0, excess);
      this.#oldestWatchable = dropped.at(-1)?.resourceVersion ?? this.#oldestWatchable;
    }
    for (const listener of this.#listeners) listener(event);
  }

  /** Forgets every past event: any watch resuming from before now gets 410 Gone. */
  compact(): void {
    this.#history.length = 0;
    this.#oldestWatchable = this.#resourceVersion;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    return [...this.#bucket(type).entries()]
      .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => structuredClone(object));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.#bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return object && structuredClone(object);
  }

  /** Events after `resourceVersion` for one type (and namespace); undefined when they have been compacted. */
  eventsSince(resourceVersion: number, type: ResourceType, namespace?: string): StoreEvent[] | undefined {
    if (resourceVersion < this.#oldestWatchable) return undefined;
    return this.#history.filter(
      (event) =>
        event.resourceVersion > resourceVersion && event.resource === type && (namespace === undefined || event.namespace === namespace),
    );
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

