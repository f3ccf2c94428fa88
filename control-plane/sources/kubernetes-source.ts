/**
 * The Kubernetes source: Namespaces, Services, Pods, HTTPRoutes,
 * GRPCRoutes, AuthorizationPolicies and PeerAuthentications, listed and
 * watched across the cluster (one ResourceInformer each, over
 * @kubernetes/client-node's ListWatch), mapped to manifests and built into
 * the same LoadResult the directory source produces; and Nodes, whose
 * addresses become the config's `nodes` (a directory has none: there the
 * control plane learns nodes from its agents only). Every change to a
 * cached object schedules a rebuild, debounced so that a burst (a rollout,
 * a relist) is one rebuild; `change` is emitted only when the result differs
 * from the last one.
 */
import { EventEmitter } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesSourceError } from './kubernetes-errors.js';
import type { Logger } from '../../core/log.js';
import type { LoadResult } from '../manifests/index.js';
import type { MeshConfig } from '../../model/types.js';
import { KubernetesRouteStatus } from './kubernetes-route-status.js';
import type { BackoffOptions } from '../../core/backoff.js';
import { KubernetesConfigBuilder } from './kubernetes-config-builder.js';
import { type InformerState, type InformerStats, ResourceInformer } from './kubernetes-informer.js';
import { type KubeConfigOptions, loadKubeConfig } from './kubernetes-kubeconfig.js';
import { type KubernetesApis, makeApis, makeLister } from './kubernetes-lister.js';
import type { Node } from './kubernetes-api-object.js';
import { isSkipped, type MappedObject } from './kubernetes-mapped-object.js';
import { mapNodes } from './kubernetes-map-node.js';
import { mapObject } from './kubernetes-map-object.js';
import { type WatchedKind, watchedResources } from './kubernetes-resources.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

export interface KubernetesSourceOptions extends KubeConfigOptions {
  log: Logger;
  /** A KubeConfig already loaded; wins over kubeconfigPath and server. */
  kubeConfig?: KubeConfig;
  /** Quiet time after a change before rebuilding (default 100 ms). */
  debounceMs?: number;
  /** Longest a change waits while changes keep coming (default 1 s). */
  maxDelayMs?: number;
  /** How long start() waits for the first list of every resource (default 60 s). */
  startTimeoutMs?: number;
  /** Delays between retries of a failed list or watch, and after watches that end at once (default 250 ms doubling to 30 s). */
  retry?: BackoffOptions;
  /** How often to look again for a CRD that is not installed (default 30 s). */
  absentRetryMs?: number;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** A list page with no complete answer in this long fails, and is retried (default 60 s). */
  requestTimeoutMs?: number;
  /** Server-side watch timeout, picked per watch in [this, 2x this) (default 300 s). */
  minWatchSeconds?: number;
}

export interface KubernetesSourceStats {
  /** Lists after the first, summed over resources: each one follows a 410 Gone (or a failed list). */
  relists: number;
  /** Watch requests after the first, summed: each one follows a watch that ended. */
  watchRestarts: number;
  expired: number;
  errors: number;
  /** Rebuilds run, and how many of them changed the result (and emitted `change`). */
  rebuilds: number;
  changes: number;
  resources: Record<WatchedKind, InformerStats & { state: InformerState }>;
}

export class KubernetesSource extends EventEmitter<{ change: [LoadResult] }> {
  readonly #kubeConfig: KubeConfig;
  readonly #apis: KubernetesApis;
  /** Aborts every request in flight when the source stops. */
  readonly #abort = new AbortController();
  readonly #options: KubernetesSourceOptions;
  readonly #log: Logger;
  readonly #builder = new KubernetesConfigBuilder();
  #informers: ResourceInformer[] = [];
  #current: LoadResult | undefined;
  #currentText = '';
  #ready = false;
  #stopped = false;
  /** Settles when stop() is called, so that a start() in progress gives up at once. */
  readonly #stopping = deferred();
  #debounce: NodeJS.Timeout | undefined;
  #firstPending: number | undefined;
  #rebuilds = 0;
  #changes = 0;
  #routeStatus: KubernetesRouteStatus | undefined;

  /** Throws KubernetesSourceError when no kubeconfig can be loaded. */
  constructor(options: KubernetesSourceOptions) {
    super();
    this.#options = options;
    this.#log = options.log;
    this.#kubeConfig = options.kubeConfig ?? loadKubeConfig(options);
    this.#apis = makeApis(this.#kubeConfig, {
      signal: this.#abort.signal,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
  }

  /** Writes each route's status.parents (kubernetes-route-status.ts); resolves once written. */
  reportRouteStatus(served: MeshConfig, issues: LoadResult['issues']): Promise<void> {
    this.#routeStatus ??= new KubernetesRouteStatus(this.#kubeConfig, this.#log);
    return this.#routeStatus.report(served, issues);
  }

  get server(): string {
    return this.#kubeConfig.getCurrentCluster()?.server ?? '';
  }

  /**
   * Resolves once every resource has been listed (or found not installed),
   * with the first result (also current()); rejects after startTimeoutMs.
   */
  async start(): Promise<LoadResult> {
    if (this.#informers.length > 0) throw new KubernetesSourceError('KubernetesSource.start() called twice');
    const started = Date.now();
    this.#informers = watchedResources.map(
      (resource) =>
        new ResourceInformer(resource, this.#kubeConfig, makeLister(resource, this.#apis, this.#options.pageSize), {
          log: this.#log,
          onChange: () => this.#schedule(),
          ...(this.#options.retry ? { retry: this.#options.retry } : {}),
          ...(this.#options.absentRetryMs === undefined ? {} : { absentRetryMs: this.#options.absentRetryMs }),
          ...(this.#options.minWatchSeconds === undefined ? {} : { minWatchSeconds: this.#options.minWatchSeconds }),
        }),
    );
    for (const informer of this.#informers) informer.start();

    const timeoutMs = this.#options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([Promise.all(this.#informers.map((informer) => informer.synced)), timedOut, this.#stopping.promise]);
    clearTimeout(timer);
    if (this.#stopped) throw new KubernetesSourceError('KubernetesSource stopped while starting');
    if (outcome === 'timeout') {
      const waiting = this.#informers
        .filter((informer) => informer.state === 'starting')
        .map((informer) => `${informer.resource.path}: ${informer.lastError ?? 'no answer'}`);
      await this.stop();
      throw new KubernetesSourceError(`no complete list from the API server at ${this.server} within ${timeoutMs} ms (${waiting.join('; ')})`);
    }

    this.#ready = true;
    this.#rebuild();
    const { config, issues } = this.current();
    this.#log.info(
      {
        server: this.server,
        ms: Date.now() - started,
        services: config.services.length,
        nodes: config.nodes.length,
        workloads: config.workloads.length,
        issues: issues.length,
        notInstalled: this.#informers.filter((informer) => informer.state === 'absent').map((informer) => informer.resource.kind),
      },
      'kubernetes source synced',
    );
    return this.current();
  }

  /** The config as of the last rebuild. Only after start() has resolved: before that there is no complete picture. */
  current(): LoadResult {
    if (!this.#current) throw new KubernetesSourceError('KubernetesSource.current() before start() resolved');
    return this.#current;
  }

  stats(): KubernetesSourceStats {
    const resources = {} as KubernetesSourceStats['resources'];
    const totals = { relists: 0, watchRestarts: 0, expired: 0, errors: 0 };
    for (const informer of this.#informers) {
      const stats = informer.stats();
      resources[informer.resource.kind] = { ...stats, state: informer.state };
      totals.relists += Math.max(0, stats.lists - 1);
      totals.watchRestarts += Math.max(0, stats.watches - 1);
      totals.expired += stats.expired;
      totals.errors += stats.errors;
    }
    return { ...totals, rebuilds: this.#rebuilds, changes: this.#changes, resources };
  }

  /** stop() for callers that do not wait (the control plane's ConfigSource.close()). */
  close(): void {
    this.stop().catch((error: unknown) => this.#log.error({ err: error }, 'stopping the kubernetes source failed'));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.resolve();
    this.#ready = false;
    clearTimeout(this.#debounce);
    this.#abort.abort();
    await Promise.all(this.#informers.map((informer) => informer.stop()));
  }

  #schedule(): void {
    if (!this.#ready) return; // start() builds once everything is listed
    const now = Date.now();
    this.#firstPending ??= now;
    const wait = Math.max(0, Math.min(this.#options.debounceMs ?? 100, this.#firstPending + (this.#options.maxDelayMs ?? 1000) - now));
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#firstPending = undefined;
      try {
        this.#rebuild();
      } catch (error) {
        // A bug in mapping or building must not take the control plane down; the last result stays.
        this.#log.error({ err: error }, 'rebuilding the config from the cluster failed; the last config stays in force');
      }
    }, wait);
  }

  #rebuild(): void {
    if (!this.#ready) return;
    this.#rebuilds++;
    const namespaces = new Map<string, Record<string, string>>();
    const byKind = new Map(this.#informers.map((informer) => [informer.resource.kind, informer]));
    for (const namespace of byKind.get('Namespace')?.objects() ?? []) {
      namespaces.set(namespace.metadata?.name ?? '', { ...namespace.metadata?.labels });
    }
    const mapped: MappedObject[] = [];
    let skipped = 0;
    for (const informer of this.#informers) {
      if (informer.resource.kind === 'Node') continue; // not a manifest: an address, below
      for (const object of informer.objects()) {
        const result = mapObject(informer.resource, object, namespaces);
        if (isSkipped(result)) skipped++;
        else mapped.push(result);
      }
    }
    const built = this.#builder.build(mapped);
    const nodes = mapNodes((byKind.get('Node')?.objects() ?? []) as readonly Node[]);
    const result: LoadResult = { ...built, config: { ...built.config, nodes: nodes.nodes } };
    const text = JSON.stringify(result);
    this.#log.debug({ objects: mapped.length, skipped: skipped + nodes.skipped, nodes: nodes.nodes.length, issues: result.issues.length }, 'rebuilt');
    if (text === this.#currentText) return;
    const first = this.#current === undefined;
    this.#current = result;
    this.#currentText = text;
    if (first) return;
    this.#changes++;
    try {
      this.emit('change', result);
    } catch (error) {
      this.#log.error({ err: error }, 'a change listener threw');
    }
  }
}
