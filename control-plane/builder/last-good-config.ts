/**
 * The last good version stays in force. A source is reloaded after every
 * edit; an object edited into something invalid must not vanish from the
 * mesh (a Service whose VIP stops working because of a typo in a port), so
 * it keeps its previous good version until it is fixed. What the source no
 * longer has at all is removed, and everything else takes the new version.
 *
 * An object counts as rejected (not deleted) when an error names it
 * (ConfigIssue.resource), or when its file has an error that names no
 * object: an unreadable file or a YAML syntax error can hide any object in
 * it, so nothing that vanished from such a file is removed until it reads.
 *
 * A kept version must still fit what was accepted: one whose address
 * another object now claims, or a kept route whose Services are gone, is
 * dropped (reported in `dropped`), so the merged config keeps the
 * invariants buildMeshConfig gives a fresh one.
 */
import { type ConfigIssue, type ResourceRef, resourceKey } from '../../model/issues.js';
import { emptyMeshConfig } from '../../model/empty-config.js';
import type { LoadResult, MeshConfig } from '../../model/types.js';

/** Each MeshConfig array and the kind its objects have. */
const kindOf = {
  nodes: 'Node',
  namespaces: 'Namespace',
  services: 'Service',
  workloads: 'Workload',
  httpRoutes: 'HTTPRoute',
  grpcRoutes: 'GRPCRoute',
  authorizationPolicies: 'AuthorizationPolicy',
  peerAuthentications: 'PeerAuthentication',
} as const satisfies Record<keyof MeshConfig, string>;

type ConfigKey = keyof typeof kindOf;
type ObjectOf<K extends ConfigKey> = MeshConfig[K][number];
type AnyObject = ObjectOf<ConfigKey>;

const configKeys = Object.keys(kindOf) as ConfigKey[];

export interface KeptObject {
  resource: ResourceRef;
  /** The errors that rejected the new version, joined; or why the file could not be read. */
  reason: string;
}

export interface LastGoodUpdate {
  config: MeshConfig;
  /** Objects whose new version was rejected and whose previous version stays in force. */
  kept: KeptObject[];
  /** Previous versions that could not be kept: they would clash with what was accepted now. */
  dropped: KeptObject[];
}

function refOf(key: ConfigKey, object: AnyObject): ResourceRef {
  const namespace = key === 'namespaces' || key === 'nodes' ? '' : (object as { namespace: string }).namespace;
  return { kind: kindOf[key], namespace, name: object.name };
}

function reasonsBy(issues: readonly ConfigIssue[]): { byResource: Map<string, string[]>; byFile: Map<string, string[]> } {
  const byResource = new Map<string, string[]>();
  const byFile = new Map<string, string[]>();
  for (const issue of issues) {
    if (issue.severity !== 'error') continue;
    const text = `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
    const [map, key] = issue.resource ? [byResource, resourceKey(issue.resource)] : [byFile, issue.file];
    map.set(key, [...(map.get(key) ?? []), text]);
  }
  return { byResource, byFile };
}

/** Addresses a Service or Workload holds: connect4 keys on them, so two owners cannot share one. */
function addressOf(key: ConfigKey, object: AnyObject): string | undefined {
  if (key === 'services') return (object as ObjectOf<'services'>).clusterIP;
  if (key === 'workloads') return (object as ObjectOf<'workloads'>).ip;
  return undefined;
}

/** The Services a route needs: `namespace/name`. */
function servicesOf(key: ConfigKey, object: AnyObject): string[] {
  if (key !== 'httpRoutes' && key !== 'grpcRoutes') return [];
  const route = object as ObjectOf<'httpRoutes'>;
  return [
    ...route.parentRefs,
    ...route.rules.flatMap((rule) => [
      ...rule.backendRefs,
      ...rule.filters.flatMap((filter) => (filter.type === 'RequestMirror' ? [filter.requestMirror.backendRef] : [])),
    ]),
  ].map((ref) => `${ref.namespace}/${ref.name}`);
}

export class LastGoodConfig {
  #current: MeshConfig = emptyMeshConfig();

  /** The config in force: the last update's. */
  get config(): MeshConfig {
    return this.#current;
  }

  update(result: LoadResult): LastGoodUpdate {
    const { byResource, byFile } = reasonsBy(result.issues);
    const kept: KeptObject[] = [];
    const dropped: KeptObject[] = [];
    const next = emptyMeshConfig();
    const candidates: Array<{ key: ConfigKey; object: AnyObject; resource: ResourceRef; reason: string }> = [];

    for (const key of configKeys) {
      const fresh = result.config[key] as AnyObject[];
      (next[key] as AnyObject[]).push(...fresh);
      const present = new Set(fresh.map((object) => resourceKey(refOf(key, object))));
      for (const object of this.#current[key] as AnyObject[]) {
        const resource = refOf(key, object);
        if (present.has(resourceKey(resource))) continue;
        const reasons = byResource.get(resourceKey(resource)) ?? byFile.get(object.source.file);
        if (reasons) candidates.push({ key, object, resource, reason: reasons.join('; ') });
      }
    }

    // Kept versions fit around what was accepted, never the other way round.
    const addresses = new Set(configKeys.flatMap((key) => (next[key] as AnyObject[]).flatMap((object) => addressOf(key, object) ?? [])));
    const keptKeys = new Set<string>();
    for (const candidate of candidates) {
      const address = addressOf(candidate.key, candidate.object);
      if (address !== undefined && addresses.has(address)) {
        dropped.push({ resource: candidate.resource, reason: `its address ${address} is now used by another object` });
        continue;
      }
      if (address !== undefined) addresses.add(address);
      (next[candidate.key] as AnyObject[]).push(candidate.object);
      kept.push({ resource: candidate.resource, reason: candidate.reason });
      keptKeys.add(resourceKey(candidate.resource));
    }

    // A fresh route was checked against fresh Services; a kept one may point at a Service since deleted.
    const services = new Set(next.services.map((service) => `${service.namespace}/${service.name}`));
    const stillResolves = (key: 'httpRoutes' | 'grpcRoutes') => (route: AnyObject) => {
      const resource = refOf(key, route);
      if (!keptKeys.has(resourceKey(resource))) return true;
      const missing = servicesOf(key, route).find((service) => !services.has(service));
      if (missing === undefined) return true;
      kept.splice(kept.findIndex((entry) => resourceKey(entry.resource) === resourceKey(resource)), 1);
      dropped.push({ resource, reason: `Service ${missing} no longer exists` });
      return false;
    };
    next.httpRoutes = next.httpRoutes.filter(stillResolves('httpRoutes'));
    next.grpcRoutes = next.grpcRoutes.filter(stillResolves('grpcRoutes'));

    this.#current = next;
    return { config: next, kept, dropped };
  }
}
