/**
 * Kubernetes mode writes each route's status.parents, as Istio does: one
 * entry per parentRef under Weft's controllerName, with the conditions
 * model/route-status.ts computes from the config the mesh serves
 * (Accepted, ResolvedRefs), and for a route the control plane rejects,
 * Accepted=False naming the first error (its last good version, if any,
 * stays in force, and the message says so). Entries of other controllers
 * are kept. lastTransitionTime changes only when a condition's status does;
 * observedGeneration is the route's metadata.generation when read.
 *
 * Written through the status subresource (read, then replace conditional
 * on the resourceVersion read; a 409 reads again, a bounded number of
 * times; a route deleted meanwhile is skipped), only when what Weft would
 * say differs from what it last said, so the MODIFIED events its own writes
 * cause rebuild to the same config and write nothing. The control plane's
 * service account needs get and update on httproutes/status and
 * grpcroutes/status.
 */
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../core/log.js';
import type { ConfigIssue } from '../../model/issues.js';
import { routeControllerName, routeStatus, type RouteCondition, type RouteParentStatus } from '../../model/route-status.js';
import type { RouteParentRef } from '../../model/route-types.js';
import type { MeshConfig } from '../../model/types.js';

type RouteKind = 'HTTPRoute' | 'GRPCRoute';
const plurals: Record<RouteKind, string> = { HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes' };
const group = 'gateway.networking.k8s.io';
const version = 'v1';

interface Wanted {
  kind: RouteKind;
  namespace: string;
  name: string;
  /** from the served config; absent for a route rejected with no good version to go by (its parents are read from the API) */
  parents?: RouteParentStatus[];
  /** the first error of a rejected route */
  rejected?: string;
  /** the route as served: a spec edit changes it (and the generation to observe) even when the conditions stay */
  spec?: unknown;
}

interface ApiCondition extends RouteCondition {
  lastTransitionTime: string;
  observedGeneration?: number;
}

interface ApiParentStatus {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: ApiCondition[];
}

const keyOf = (w: Pick<Wanted, 'kind' | 'namespace' | 'name'>) => `${w.kind} ${w.namespace}/${w.name}`;

function apiParentRef(ref: RouteParentRef): Record<string, unknown> {
  return { group: '', kind: 'Service', name: ref.name, namespace: ref.namespace, ...(ref.port !== undefined ? { port: ref.port } : {}), ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}) };
}

/** What a rejected route's parents say: not accepted, with why. */
function rejectedParents(parentRefs: RouteParentRef[], message: string): RouteParentStatus[] {
  return parentRefs.map((parentRef) => ({
    parentRef,
    controllerName: routeControllerName,
    conditions: [{ type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message }],
  }));
}

/** spec.parentRefs as the API holds them (a rejected route is not in the model). */
function rawParentRefs(object: { spec?: { parentRefs?: Array<Record<string, unknown>> } }, namespace: string): RouteParentRef[] {
  return (object.spec?.parentRefs ?? []).map((ref) => ({
    name: String(ref['name'] ?? ''),
    namespace: typeof ref['namespace'] === 'string' ? ref['namespace'] : namespace,
    ...(typeof ref['port'] === 'number' ? { port: ref['port'] } : {}),
    ...(typeof ref['sectionName'] === 'string' ? { sectionName: ref['sectionName'] } : {}),
  }));
}

export class KubernetesRouteStatus {
  readonly #api: CustomObjectsApi;
  readonly #said = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  /** writes done, for tests and the log */
  written = 0;

  constructor(kubeConfig: KubeConfig, private readonly log: Logger, private readonly options: { attempts?: number } = {}) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Queues a write of every route whose status differs from what was last written; resolves when this one is done. */
  report(served: MeshConfig, issues: readonly ConfigIssue[]): Promise<void> {
    const run = this.#queue.then(() => this.#reportNow(served, issues));
    this.#queue = run.catch((error: unknown) => this.log.warn({ err: error }, 'route status not written'));
    return this.#queue;
  }

  async #reportNow(served: MeshConfig, issues: readonly ConfigIssue[]): Promise<void> {
    const wanted = new Map<string, Wanted>();
    for (const [kind, routes] of [['HTTPRoute', served.httpRoutes], ['GRPCRoute', served.grpcRoutes]] as const) {
      for (const route of routes) {
        const { source: _where, ...spec } = route;
        wanted.set(keyOf({ kind, ...route }), { kind, namespace: route.namespace, name: route.name, parents: routeStatus(route, served), spec });
      }
    }
    for (const issue of issues) {
      const resource = issue.resource;
      if (issue.severity !== 'error' || (resource?.kind !== 'HTTPRoute' && resource?.kind !== 'GRPCRoute') || !resource.namespace) continue;
      const key = keyOf({ kind: resource.kind, namespace: resource.namespace, name: resource.name });
      const entry = wanted.get(key);
      if (entry?.rejected) continue; // the first error is the one said
      const message = `rejected: ${issue.path ? `${issue.path}: ` : ''}${issue.message}${entry ? '; its last good version stays in force' : ''}`;
      wanted.set(key, { kind: resource.kind, namespace: resource.namespace, name: resource.name, ...(entry?.parents ? { parents: rejectedParents(entry.parents.map((p) => p.parentRef), message) } : {}), rejected: message });
    }
    for (const [key, route] of wanted) {
      const said = JSON.stringify(route);
      if (this.#said.get(key) === said) continue;
      if (await this.#write(route)) this.#said.set(key, said);
    }
    for (const key of [...this.#said.keys()]) if (!wanted.has(key)) this.#said.delete(key);
  }

  /** true when written (or the route is gone: nothing left to say). */
  async #write(route: Wanted): Promise<boolean> {
    const plural = plurals[route.kind];
    const { namespace, name } = route;
    for (let attempt = 1; attempt <= (this.options.attempts ?? 3); attempt++) {
      let current: { metadata?: { generation?: number; resourceVersion?: string }; spec?: { parentRefs?: Array<Record<string, unknown>> }; status?: { parents?: ApiParentStatus[] } };
      try {
        current = await this.#api.getNamespacedCustomObject({ group, version, namespace, plural, name });
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return true;
        throw error;
      }
      const parents = route.parents ?? rejectedParents(rawParentRefs(current, namespace), route.rejected ?? 'rejected');
      const previous = (current.status?.parents ?? []).filter((p) => p.controllerName === routeControllerName);
      const now = new Date().toISOString();
      const generation = current.metadata?.generation;
      const ours: ApiParentStatus[] = parents.map((parent) => {
        const ref = apiParentRef(parent.parentRef);
        const before = previous.find((p) => JSON.stringify(p.parentRef) === JSON.stringify(ref));
        return {
          parentRef: ref,
          controllerName: routeControllerName,
          conditions: parent.conditions.map((condition) => {
            const was = before?.conditions.find((c) => c.type === condition.type);
            return {
              ...condition,
              lastTransitionTime: was && was.status === condition.status ? was.lastTransitionTime : now,
              ...(generation !== undefined ? { observedGeneration: generation } : {}),
            };
          }),
        };
      });
      const others = (current.status?.parents ?? []).filter((p) => p.controllerName !== routeControllerName);
      const body = { ...current, status: { ...current.status, parents: [...others, ...ours] } };
      // (`spec` in Wanted only decides whether to write; the API's spec is the one read.)
      try {
        await this.#api.replaceNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body });
        this.written++;
        this.log.info({ route: `${route.kind} ${namespace}/${name}`, conditions: ours.map((p) => p.conditions.map((c) => `${c.type}=${c.status}`).join(',')) }, 'route status written');
        return true;
      } catch (error) {
        if (error instanceof ApiException && error.code === 409) continue; // written since it was read: read again
        if (error instanceof ApiException && error.code === 404) return true;
        throw error;
      }
    }
    return false;
  }
}
