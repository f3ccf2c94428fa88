/**
 * One resource type, listed and watched, as client-go's reflector does it:
 * list (the cache becomes exactly the list, so objects deleted while
 * nobody watched are noticed), then watch from the list's resourceVersion,
 * and when the watch ends:
 *  - cleanly (the server's timeout, a load balancer, a dropped watch):
 *    watch again from the last resourceVersion seen, events or bookmarks;
 *  - with 410 Gone (that resourceVersion was compacted away): relist;
 *  - with a failure (connection cut, 5xx): back off, then resume as above.
 * A custom resource whose CRD is not installed (404) counts as listed and
 * empty, and is looked for again slowly.
 */
import type { Logger } from '../../agent/log.js';
import type { KubeApiClient } from './kubernetes-api-client.js';
import type { ApiObject, WatchEvent } from './kubernetes-api-object.js';
import { Backoff, type BackoffOptions } from './kubernetes-backoff.js';
import { describeError, KubernetesApiError } from './kubernetes-errors.js';
import type { WatchedResource } from './kubernetes-resources.js';

export interface InformerStats {
  /** Lists made, the first included; every later one is a relist. */
  lists: number;
  /** Watch requests made, the first included; every later one is a restart. */
  watches: number;
  /** Watches that ended in 410 Gone. */
  expired: number;
  /** Failed lists and watches (each followed by a retry). */
  errors: number;
}

export type InformerState = 'starting' | 'synced' | 'absent';

export interface ResourceInformerOptions {
  log: Logger;
  /** Called after every change to the cache: an add, update or delete, by event or by relist. */
  onChange: () => void;
  retry?: BackoffOptions;
  /** How often to look again for a CRD that is not installed (default 30 s). */
  absentRetryMs?: number;
  /** Server-side watch timeout, picked per watch in [min, 2 min) as client-go does (default 300 s). */
  minWatchSeconds?: number;
}

/** A watch that ends this soon without an event is treated like a failure (backoff), so a server that closes at once is not hammered. */
const quickEndMs = 1000;

const keyOf = (object: ApiObject) => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

export class ResourceInformer {
  readonly #client: KubeApiClient;
  readonly #options: ResourceInformerOptions;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  readonly #synced: Promise<void>;
  #resolveSynced: () => void = () => {};
  #objects = new Map<string, ApiObject>();
  #resourceVersion = '';
  #state: InformerState = 'starting';
  #lastError: string | undefined;
  #stats: InformerStats = { lists: 0, watches: 0, expired: 0, errors: 0 };
  #expiredInARow = 0;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(readonly resource: WatchedResource, client: KubeApiClient, options: ResourceInformerOptions) {
    this.#client = client;
    this.#options = options;
    this.#backoff = new Backoff(options.retry);
    this.#synced = new Promise((resolve) => (this.#resolveSynced = resolve));
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Resolves once the first list is in the cache, or the resource turned out not to be served. */
  get synced(): Promise<void> {
    return this.#synced;
  }

  get state(): InformerState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  objects(): IterableIterator<ApiObject> {
    return this.#objects.values();
  }

  stats(): InformerStats {
    return { ...this.#stats };
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    while (!this.#stopped) {
      let delay = 0;
      try {
        if (this.#resourceVersion === '') await this.#list();
        delay = await this.#watch();
      } catch (error) {
        if (this.#stopped) break;
        this.#stats.errors++;
        this.#lastError = describeError(error);
        if (error instanceof KubernetesApiError && error.status === 410) this.#resourceVersion = ''; // a 410 as an HTTP status, not an event
        if (this.resource.optional && error instanceof KubernetesApiError && error.status === 404) {
          delay = this.#options.absentRetryMs ?? 30_000;
          if (this.#state === 'starting') {
            log.info({ kind: this.resource.kind, path: this.resource.path }, 'not served by the API server (CRD not installed?); the mesh has none until it is');
            this.#state = 'absent';
            this.#resolveSynced();
          }
        } else {
          delay = this.#backoff.next();
          log.warn({ kind: this.resource.kind, path: this.resource.path, error: this.#lastError, retryInMs: delay }, 'list or watch failed; retrying');
        }
      }
      if (delay > 0) await this.#sleep(delay);
    }
  }

  async #list(): Promise<void> {
    this.#stats.lists++;
    const list = await this.#client.list(this.resource.path, this.#abort.signal);
    if (this.#stopped) return;
    const next = new Map(list.items.map((item) => [keyOf(item), item]));
    // Changed when an object appeared, went, or has another resourceVersion: the relist's deletions are here.
    const changed =
      next.size !== this.#objects.size ||
      [...next].some(([key, object]) => this.#objects.get(key)?.metadata?.resourceVersion !== object.metadata?.resourceVersion);
    this.#objects = next;
    this.#resourceVersion = list.resourceVersion;
    this.#backoff.reset();
    if (this.#state !== 'synced') {
      this.#options.log.debug({ kind: this.resource.kind, objects: next.size, resourceVersion: list.resourceVersion }, 'listed');
    }
    this.#state = 'synced';
    this.#lastError = undefined;
    this.#resolveSynced();
    if (changed) this.#options.onChange();
  }

  /** One watch, to its end; returns how long to wait before the next. */
  async #watch(): Promise<number> {
    this.#stats.watches++;
    const started = Date.now();
    let events = 0;
    let expired = false;
    const minSeconds = this.#options.minWatchSeconds ?? 300;
    await this.#client.watch(
      this.resource.path,
      { resourceVersion: this.#resourceVersion, timeoutSeconds: Math.floor(minSeconds * (1 + Math.random())), signal: this.#abort.signal },
      (event) => {
        events++;
        if (this.#apply(event) === 'expired') {
          expired = true;
          return 'stop';
        }
        return undefined;
      },
    );
    if (expired) {
      this.#stats.expired++;
      this.#expiredInARow++;
      this.#options.log.info({ kind: this.resource.kind, resourceVersion: this.#resourceVersion }, 'watch expired (410 Gone); relisting');
      this.#resourceVersion = '';
      // A watch from a fresh list's resourceVersion should not expire at once; if it keeps doing so, do not spin.
      return this.#expiredInARow > 1 ? this.#backoff.next() : 0;
    }
    if (events > 0) this.#expiredInARow = 0;
    if (events === 0 && Date.now() - started < quickEndMs) return this.#backoff.next();
    if (events > 0) this.#backoff.reset();
    return 0;
  }

  #apply(event: WatchEvent): 'expired' | void {
    const { object } = event;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#objects.set(keyOf(object), object);
        break;
      case 'DELETED':
        this.#objects.delete(keyOf(object));
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = object as { code?: unknown };
        if (status.code === 410) return 'expired';
        throw KubernetesApiError.fromStatus(500, object);
      }
      default:
        return; // an event type from a newer API server: nothing to do with it
    }
    this.#resourceVersion = object.metadata?.resourceVersion ?? this.#resourceVersion;
    if (event.type !== 'BOOKMARK') this.#options.onChange();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
