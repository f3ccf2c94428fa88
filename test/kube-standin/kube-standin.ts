/**
 * A stand-in for the Kubernetes API server, for tests: node:http on
 * 127.0.0.1, serving list, get and watch for the types in resource-types.ts
 * in the real wire format, over an in-memory store that tests write to
 * directly. Tests can also cut every open watch (cleanly or abruptly) and
 * compact the history, which are the two ways a real watch ends badly.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseApiPath } from './api-path.js';
import type { KubeObject } from './kube-object.js';
import { ObjectStore, type ObjectStoreOptions } from './object-store.js';
import { apiVersionOf, type ResourceType } from './resource-types.js';
import { type KubeStatus, status } from './status.js';
import { WatchStream } from './watch-stream.js';
import { handleConfigMapWrite, isConfigMapWrite } from './config-map-writes.js';
import { handlePost, type TokenReviewUser } from './writes.js';
import { handleStatusRequest, isStatusRequest } from './status-writes.js';

export interface KubeStandinOptions extends ObjectStoreOptions {
  /** Send a BOOKMARK on every open watch this often (the real server: about once a minute). Off when unset. */
  bookmarkIntervalMs?: number;
  /** Plurals answered with 404, as for a CRD that is not installed. */
  unserved?: readonly string[];
  /**
   * How a watch from a compacted resourceVersion is refused: `event` (the
   * default), a 200 whose one event is an ERROR with a 410 Status, as etcd
   * reports it; or `status`, an HTTP 410 with that Status as the body, as the
   * API server's watch cache refuses it before the stream begins. Real
   * clusters do both.
   */
  expiredWatch?: 'event' | 'status';
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Not checked (the stand-in has no authentication); recorded so tests can see what a client sent. */
  authorization?: string;
}

const requestLogLimit = 10_000;
/** Unfinished paginated lists kept for their continue tokens. */
const maxPages = 100;

interface Page {
  resourceVersion: number;
  items: unknown[];
}

export class KubeStandin {
  readonly store: ObjectStore;
  /** Every request, oldest first (the last 10,000). */
  readonly requests: RequestRecord[] = [];
  /** Token -> who the API server says it is, for TokenReviews (writes.ts). */
  readonly tokenReviews = new Map<string, TokenReviewUser>();
  readonly #watches = new Set<WatchStream>();
  readonly #unserved: ReadonlySet<string>;
  readonly #pages = new Map<string, Page>();
  readonly #expiredWatch: 'event' | 'status';
  /** Plural -> failures still to answer its requests with (failNext); a `method` one only for that method's requests. */
  readonly #failing = new Map<string, Array<{ failure: KubeStatus; method?: string }>>();
  #bookmarks: NodeJS.Timeout | undefined;

  private constructor(private readonly server: Server, options: KubeStandinOptions) {
    this.store = new ObjectStore(options);
    this.#unserved = new Set(options.unserved ?? []);
    this.#expiredWatch = options.expiredWatch ?? 'event';
    if (options.bookmarkIntervalMs !== undefined) {
      this.#bookmarks = setInterval(() => this.bookmark(), options.bookmarkIntervalMs);
      this.#bookmarks.unref();
    }
  }

  static async start(options: KubeStandinOptions = {}): Promise<KubeStandin> {
    const server = createServer();
    const standin = new KubeStandin(server, options);
    server.on('request', (request, response) => standin.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return standin;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A kubeconfig file's text pointing at this server (plain HTTP needs insecure-skip-tls-verify in client-node). */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: standin\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: standin\n  user:\n    token: standin-token',
      'contexts:',
      '- name: standin\n  context:\n    cluster: standin\n    user: standin',
      'current-context: standin',
      '',
    ].join('\n');
  }

  // --- what tests do to the cluster ---

  put(object: KubeObject): KubeObject {
    return this.store.put(object);
  }

  delete(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): boolean {
    return this.store.remove(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
  }

  compact(): void {
    this.store.compact();
  }

  /** Ends every open watch: cleanly (the server's own timeout) or by cutting the connection. Returns how many. */
  dropWatches({ abrupt = false }: { abrupt?: boolean } = {}): number {
    const watches = [...this.#watches];
    for (const watch of watches) (abrupt ? watch.destroy() : watch.end());
    return watches.length;
  }

  bookmark(): void {
    for (const watch of this.#watches) watch.bookmark();
  }

  /** Ends every open watch with an ERROR event carrying `failure` (default: a 500 InternalError). Returns how many. */
  failWatches(failure: KubeStatus = status.internalError()): number {
    const watches = [...this.#watches];
    for (const watch of watches) watch.fail(failure);
    return watches.length;
  }

  /**
   * Answers the next `count` requests for a plural (lists, gets and watches
   * alike) with `failure` (default: a 500 InternalError). With `method`
   * (e.g. `PUT`), only that method's requests: the way to fail a write.
   */
  failNext(plural: string, count: number, failure: KubeStatus = status.internalError(), options: { method?: string } = {}): void {
    const planted = Array.from({ length: count }, () => ({ failure, ...(options.method ? { method: options.method } : {}) }));
    this.#failing.set(plural, [...(this.#failing.get(plural) ?? []), ...planted]);
  }

  /** The next planted failure for this request, taken off the list: reads take any without a method, writes only their method's. */
  #planted(plural: string, method: string): KubeStatus | undefined {
    const queue = this.#failing.get(plural) ?? [];
    const index = queue.findIndex((entry) => (entry.method === undefined ? method === 'GET' : entry.method === method));
    if (index < 0) return undefined;
    return queue.splice(index, 1)[0]!.failure;
  }

  get openWatches(): number {
    return this.#watches.size;
  }

  /** Requests for one resource collection, e.g. `('/api/v1/pods', true)` for its watches. */
  requestsFor(path: string, watch: boolean): RequestRecord[] {
    return this.requests.filter((request) => request.path === path && (request.query.watch === 'true' || request.query.watch === '1') === watch);
  }

  async close(): Promise<void> {
    clearInterval(this.#bookmarks);
    for (const watch of [...this.#watches]) watch.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- the API ---

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://standin');
    const query = Object.fromEntries(url.searchParams);
    const { authorization } = request.headers;
    this.requests.push({ method: request.method ?? 'GET', path: url.pathname, query, ...(authorization ? { authorization } : {}) });
    if (this.requests.length > requestLogLimit) this.requests.splice(0, this.requests.length - requestLogLimit);
    const target = parseApiPath(url.pathname);
    // The control plane's CA publishes its root in a ConfigMap (config-map-writes.ts).
    if (target && isConfigMapWrite(request.method, target)) {
      const planted = this.#planted(target.type.plural, request.method ?? '');
      if (planted) return this.#fail(response, planted);
      return void handleConfigMapWrite(this.store, request, response, target);
    }
    // Route status, written by the control plane (status-writes.ts).
    if (isStatusRequest(target)) {
      const planted = this.#planted(target.type.plural, request.method ?? '');
      if (planted) return this.#fail(response, planted);
      return void handleStatusRequest(this.store, request, response, target);
    }
    // Creating a Secret and TokenReviews, for the control plane's CA (writes.ts).
    if (request.method === 'POST') return void handlePost(this.store, this.tokenReviews, request, response, url.pathname);

    if (!target || this.#unserved.has(target.type.plural)) return this.#fail(response, status.notFound());
    if (request.method !== 'GET') return this.#fail(response, status.methodNotAllowed());
    const planted = this.#planted(target.type.plural, 'GET');
    if (planted) return this.#fail(response, planted);
    for (const unsupported of ['labelSelector', 'fieldSelector']) {
      // Better a loud 400 than an unfiltered answer a client would take as filtered.
      if (query[unsupported]) return this.#fail(response, status.badRequest(`kube-standin does not implement ${unsupported}`));
    }
    const { type, namespace, name } = target;

    if (name !== undefined) {
      const object = this.store.get(type, type.namespaced ? namespace : undefined, name);
      if (!object) return this.#fail(response, status.notFound(`${type.plural} "${name}" not found`, { name, kind: type.plural, ...(type.group ? { group: type.group } : {}) }));
      return this.#json(response, 200, object);
    }

    const rawVersion = query.resourceVersion;
    const resourceVersion = rawVersion === undefined || rawVersion === '' || rawVersion === '0' ? undefined : Number(rawVersion);
    if (resourceVersion !== undefined && !Number.isSafeInteger(resourceVersion)) {
      return this.#fail(response, status.badRequest(`invalid resource version: ${rawVersion}`));
    }

    if (query.watch === 'true' || query.watch === '1') {
      if (this.#expiredWatch === 'status' && resourceVersion !== undefined && resourceVersion < this.store.oldestWatchable) {
        return this.#fail(response, status.expired(resourceVersion, this.store.oldestWatchable));
      }
      const timeoutSeconds = query.timeoutSeconds === undefined ? undefined : Number(query.timeoutSeconds);
      const stream = new WatchStream(
        this.store,
        {
          type,
          ...(namespace === undefined ? {} : { namespace }),
          resourceVersion,
          allowBookmarks: query.allowWatchBookmarks === 'true',
          ...(timeoutSeconds !== undefined && timeoutSeconds > 0 ? { timeoutSeconds } : {}),
        },
        response,
        (closed) => this.#watches.delete(closed),
      );
      this.#watches.add(stream);
      stream.start();
      return;
    }

    this.#list(response, type, namespace, query);
  }

  /**
   * A List, or one page of it: with `limit`, the rest of the snapshot is
   * kept under a `continue` token, so every page shows the cluster as of the
   * first (as etcd serves pages from one revision).
   */
  #list(response: ServerResponse, type: ResourceType, namespace: string | undefined, query: Record<string, string>): void {
    let page: Page;
    if (query.continue) {
      const kept = this.#pages.get(query.continue);
      if (!kept) return this.#fail(response, status.expired(0, this.store.oldestWatchable, 'the provided continue parameter is too old'));
      this.#pages.delete(query.continue);
      page = kept;
    } else {
      // Items of a built-in type's List carry no apiVersion/kind; a custom resource's do.
      const items = this.store.list(type, namespace).map((object) => {
        if (type.custom) return object;
        const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
        return rest;
      });
      page = { resourceVersion: this.store.resourceVersion, items };
    }
    const limit = Number(query.limit ?? 0);
    const items = limit > 0 ? page.items.slice(0, limit) : page.items;
    const rest = page.items.slice(items.length);
    const metadata: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
    if (rest.length > 0) {
      const token = randomUUID();
      this.#pages.set(token, { resourceVersion: page.resourceVersion, items: rest });
      for (const old of this.#pages.keys()) if (this.#pages.size > maxPages) this.#pages.delete(old);
      Object.assign(metadata, { continue: token, remainingItemCount: rest.length });
    }
    this.#json(response, 200, { apiVersion: apiVersionOf(type), kind: `${type.kind}List`, metadata, items });
  }

  #json(response: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  #fail(response: ServerResponse, body: KubeStatus): void {
    this.#json(response, body.code, body);
  }
}
