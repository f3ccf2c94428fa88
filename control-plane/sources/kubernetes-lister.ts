/**
 * The list half of list+watch, through client-node's generated clients:
 * CoreV1Api for Namespaces, Services, Pods and Nodes, CustomObjectsApi for the
 * route and policy CRDs. Lists are paged (`limit`/`continue`); every page
 * request is aborted when the source stops or after a timeout (client-node
 * sets none), and a failed one is a KubernetesApiError carrying the v1
 * Status the server sent.
 *
 * The items are handed to ListWatch as the JSON the server sent. client-node
 * turns a typed list into model classes with Date timestamps but passes
 * watch events on as parsed JSON (kubernetes-client/javascript#655), so a
 * cache fed by both would hold two shapes of one object; the mapping reads
 * the wire's.
 */
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  type V1ListMeta,
} from '@kubernetes/client-node';
import { KubernetesApiError } from './kubernetes-errors.js';
import type { WatchedResource } from './kubernetes-resources.js';

export type Lister = () => Promise<KubernetesListObject<KubernetesObject>>;

export interface KubernetesApis {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** Aborts every request in flight: the source is stopping. */
  signal: AbortSignal;
  requestTimeoutMs: number;
}

export interface ApiOptions {
  signal: AbortSignal;
  /** A list page with no complete answer in this long fails (default 60 s). */
  requestTimeoutMs?: number;
}

/** As KubeConfig.makeApiClient, plus a middleware that gives every request an abort signal. */
export function makeApis(kubeConfig: KubeConfig, options: ApiOptions): KubernetesApis {
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          context.setSignal(AbortSignal.any([options.signal, AbortSignal.timeout(requestTimeoutMs)]));
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
  return { core: new CoreV1Api(configuration), custom: new CustomObjectsApi(configuration), signal: options.signal, requestTimeoutMs };
}

interface Page {
  resourceVersion: string;
  next: string | undefined;
  items: KubernetesObject[];
}

type PageRequest = { limit: number; _continue?: string };

/** Model classes back to wire JSON: metav1.Time is RFC 3339 to the second, as the API server writes it. */
function toWire(item: object): KubernetesObject {
  const text = JSON.stringify(item, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key]; // before toJSON, so a Date is still a Date
    return raw instanceof Date && !Number.isNaN(raw.getTime()) ? raw.toISOString().replace(/\.000Z$/, 'Z') : value;
  });
  return JSON.parse(text) as KubernetesObject;
}

function typedPages(list: (request: PageRequest) => Promise<{ metadata?: V1ListMeta; items: object[] }>): (request: PageRequest) => Promise<Page> {
  return async (request) => {
    const page = await list(request);
    return { resourceVersion: page.metadata?.resourceVersion ?? '', next: page.metadata?._continue, items: page.items.map(toWire) };
  };
}

function pagesOf(resource: WatchedResource, apis: KubernetesApis): (request: PageRequest) => Promise<Page> {
  const { core, custom } = apis;
  switch (resource.kind) {
    case 'Namespace':
      return typedPages((request) => core.listNamespace(request));
    case 'Service':
      return typedPages((request) => core.listServiceForAllNamespaces(request));
    case 'Pod':
      return typedPages((request) => core.listPodForAllNamespaces(request));
    case 'Node':
      return typedPages((request) => core.listNode(request));
    default: {
      const { group, version, plural } = resource;
      return async (request) => {
        // Typed `any` by client-node, and passed through as parsed: already the wire's JSON.
        const page = (await custom.listClusterCustomObject({ group, version, plural, ...request })) as {
          metadata?: { resourceVersion?: string; continue?: string };
          items?: KubernetesObject[];
        };
        return { resourceVersion: page.metadata?.resourceVersion ?? '', next: page.metadata?.continue || undefined, items: page.items ?? [] };
      };
    }
  }
}

/** A list page that failed, as a KubernetesApiError when the server answered, with a message that says a timeout when it was one. */
function failure(error: unknown, apis: KubernetesApis): unknown {
  if (error instanceof ApiException) return KubernetesApiError.fromStatus(error.code, error.body);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') && !apis.signal.aborted) {
    return new Error(`no complete answer within ${apis.requestTimeoutMs} ms`, { cause: error });
  }
  return error;
}

/** A paginated list longer than this many pages is a server bug; stop rather than loop. */
const maxPages = 100_000;

/** A ListWatch list function: the whole collection, page by page; the resourceVersion is the first page's, which every page is consistent with. */
export function makeLister(resource: WatchedResource, apis: KubernetesApis, pageSize = 500): Lister {
  const pages = pagesOf(resource, apis);
  return async () => {
    const items: KubernetesObject[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    for (let count = 0; count < maxPages; count++) {
      let page: Page;
      try {
        page = await pages({ limit: pageSize, ...(next ? { _continue: next } : {}) });
      } catch (error) {
        throw failure(error, apis);
      }
      if (count === 0) resourceVersion = page.resourceVersion;
      items.push(...page.items);
      next = page.next;
      if (!next) return { metadata: { resourceVersion }, items };
    }
    throw new Error(`listing ${resource.path} did not end after ${maxPages} pages`);
  };
}
