/**
 * One resource type, listed and watched by client-node's ListWatch: it
 * lists (the cache becomes exactly the list, so objects deleted while
 * nobody watched are noticed, with delete callbacks), watches from the
 * list's resourceVersion, watches again from the last one seen when a watch
 * ends cleanly, and relists after a 410 Gone. What it does not do is here:
 *  - retry: ListWatch stops at the first failed list or watch and only
 *    reports it. Here each failure is counted and logged, and the informer
 *    starts again after a backoff (doubling, capped), resuming the watch
 *    from its resourceVersion, or relisting if it has none;
 *  - a custom resource whose CRD is not installed (404) counts as listed
 *    and empty, and is looked for again slowly;
 *  - stats, and a `synced` promise for the first complete list.
 * The watch itself goes through InformerWatch (kubernetes-watch.ts), which
 * handles what client-node's Watch gets wrong.
 */
import { type KubeConfig, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from '../../core/backoff.js';
import type { Logger } from '../../core/log.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import type { ApiObject } from './kubernetes-api-object.js';
import type { Lister } from './kubernetes-lister.js';
import type { WatchedResource } from './kubernetes-resources.js';
import { InformerWatch, type WatchEnd } from './kubernetes-watch.js';

export interface InformerStats {
  /** Lists made, the first included; every later one is a relist. */
  lists: number;
  /** Watch requests made, the first included; every later one is a restart. */
  watches: number;
  /** Watches that ended in 410 Gone. */
  expired: number;
  /** Failed lists and watches (each followed by a retry). */
  errors: number;
  /** The last failure, until the next successful list. */
  lastError?: string;
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

/**
 * Retries of the API server: doubling from 250 ms to 30 s, each delay up to
 * 20% short of it, so that a control plane's informers (and several control
 * planes) do not retry in step. `retry` options override these field by field.
 */
export const apiServerRetry = { baseMs: 250, capMs: 30_000, jitter: { fraction: 0.2 } } as const satisfies BackoffOptions;

/** A watch that ends this soon without an event is treated like a failure (backoff), so a server that closes at once is not hammered. */
const quickEndMs = 1000;

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

export class ResourceInformer {
  readonly #options: ResourceInformerOptions;
  readonly #listWatch: ListWatch<KubernetesObject>;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  readonly #synced: Promise<void>;
  #resolveSynced: () => void = () => {};
  #state: InformerState = 'starting';
  #stats: InformerStats = { lists: 0, watches: 0, expired: 0, errors: 0 };
  /** A list has completed and ListWatch has applied it; the watch it starts next says so. */
  #listed = false;
  #expiredInARow = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(readonly resource: WatchedResource, kubeConfig: KubeConfig, lister: Lister, options: ResourceInformerOptions) {
    this.#options = options;
    this.#backoff = new Backoff({ ...apiServerRetry, ...options.retry });
    this.#synced = new Promise((resolve) => (this.#resolveSynced = resolve));
    const minSeconds = options.minWatchSeconds ?? 300;
    const watch = new InformerWatch(kubeConfig, {
      signal: this.#abort.signal,
      timeoutSeconds: () => Math.floor(minSeconds * (1 + Math.random())),
      onStart: () => this.#watchStarted(),
      onEnd: (end) => this.#watchEnded(end),
    });
    const list: Lister = async () => {
      this.#stats.lists++;
      const result = await lister();
      this.#listed = true;
      return result;
    };
    this.#listWatch = new ListWatch(resource.path, watch, list, false);
    const changed = () => options.onChange();
    this.#listWatch.on('add', changed);
    this.#listWatch.on('update', changed);
    this.#listWatch.on('delete', changed);
    this.#listWatch.on('error', (error) => this.#failed(error));
  }

  start(): void {
    if (this.#abort.signal.aborted) return;
    // Failures come to the error callback; a rejection here would be a bug in ListWatch.
    this.#listWatch.start().catch((error: unknown) => this.#failed(error));
  }

  /** Resolves once the first list is in the cache, or the resource turned out not to be served. */
  get synced(): Promise<void> {
    return this.#synced;
  }

  get state(): InformerState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#stats.lastError;
  }

  get resourceVersion(): string {
    return this.#listWatch.latestResourceVersion();
  }

  /** The cache: the API server's JSON, list items and watch objects alike (kubernetes-lister.ts). */
  objects(): readonly ApiObject[] {
    return this.#listWatch.list() as readonly ApiObject[];
  }

  stats(): InformerStats {
    return { ...this.#stats };
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#retry);
    await this.#listWatch.stop();
  }

  #watchStarted(): void {
    this.#stats.watches++;
    if (!this.#listed) return;
    // ListWatch watches right after it has applied a list: the cache is complete.
    this.#listed = false;
    this.#backoff.reset();
    if (this.#state !== 'synced') {
      this.#options.log.debug({ kind: this.resource.kind, objects: this.#listWatch.list().length, resourceVersion: this.resourceVersion }, 'listed');
    }
    this.#state = 'synced';
    delete this.#stats.lastError;
    this.#resolveSynced();
  }

  /** How long to wait before ListWatch hears that a watch ended. */
  #watchEnded(end: WatchEnd): number {
    const { log } = this.#options;
    if (end.events > 0) this.#expiredInARow = 0;
    switch (end.kind) {
      case 'expired':
        this.#stats.expired++;
        this.#expiredInARow++;
        log.info({ kind: this.resource.kind, resourceVersion: this.resourceVersion }, 'watch expired (410 Gone); relisting');
        // A watch from a fresh list's resourceVersion should not expire at once; if it keeps doing so, do not spin.
        return this.#expiredInARow > 1 ? this.#backoff.next() : 0;
      case 'failed':
        // A watch that worked for a while before it broke is retried at the shortest delay (in #failed).
        if (end.events > 0 || end.ms >= quickEndMs) this.#backoff.reset();
        return 0;
      case 'closed':
        if (end.events === 0 && end.ms < quickEndMs) return this.#backoff.next();
        this.#backoff.reset();
        return 0;
    }
  }

  /** A list or watch failed and ListWatch has stopped: count it, and start again later. */
  #failed(error: unknown): void {
    if (this.#abort.signal.aborted) return; // the aborts of stop()
    const { log } = this.#options;
    this.#stats.errors++;
    this.#stats.lastError = describeError(error);
    let delay: number;
    if (this.resource.optional && error instanceof KubernetesApiError && error.statusCode === 404) {
      delay = this.#options.absentRetryMs ?? 30_000;
      if (this.#state === 'starting') {
        log.info({ kind: this.resource.kind, path: this.resource.path }, 'not served by the API server (CRD not installed?); the mesh has none until it is');
        this.#state = 'absent';
        this.#resolveSynced();
      }
    } else {
      delay = this.#backoff.next();
      log.warn({ kind: this.resource.kind, path: this.resource.path, error: this.#stats.lastError, retryInMs: delay }, 'list or watch failed; retrying');
    }
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.start(); // resumes the watch from the last resourceVersion, or lists if there is none
    }, delay);
  }
}
