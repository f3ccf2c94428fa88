/**
 * What `weft config validate` says about a load: every issue in reading
 * order (formatIssue: file:line [doc N] path: message), then one summary
 * line; or the same as JSON. The exit code is 1 when anything is an error.
 */
import { countErrors, formatIssue, type ConfigIssue } from '../../model/issues.js';
import type { LoadResult, MeshConfig } from '../../model/types.js';
import { formatParentStatus, routeStatus, type RouteParentStatus } from '../../model/route-status.js';

/** What manifests hold; nodes are learned from agents at run time, never written. */
type ManifestKey = Exclude<keyof MeshConfig, 'nodes'>;

const kindNames: Record<ManifestKey, [singular: string, plural: string]> = {
  namespaces: ['Namespace', 'Namespaces'],
  services: ['Service', 'Services'],
  workloads: ['Workload', 'Workloads'],
  httpRoutes: ['HTTPRoute', 'HTTPRoutes'],
  grpcRoutes: ['GRPCRoute', 'GRPCRoutes'],
  authorizationPolicies: ['AuthorizationPolicy', 'AuthorizationPolicies'],
  peerAuthentications: ['PeerAuthentication', 'PeerAuthentications'],
};

export interface ValidationReport {
  ok: boolean;
  dir: string;
  errors: number;
  warnings: number;
  /** Objects that loaded, by kind: what the mesh would run with. */
  loaded: Record<string, number>;
  issues: ConfigIssue[];
  /** Each loaded route's status.parents, as the control plane writes it in Kubernetes mode (model/route-status.ts). */
  routes: Array<{ kind: 'HTTPRoute' | 'GRPCRoute'; namespace: string; name: string; parents: RouteParentStatus[] }>;
}

export function validationReport(dir: string, result: LoadResult): ValidationReport {
  const errors = countErrors(result.issues);
  const loaded: Record<string, number> = {};
  for (const [key, [kind]] of Object.entries(kindNames) as Array<[ManifestKey, [string, string]]>) {
    loaded[kind] = result.config[key].length;
  }
  const { config } = result;
  const routes = [
    ...config.httpRoutes.map((route) => ({ kind: 'HTTPRoute' as const, namespace: route.namespace, name: route.name, parents: routeStatus(route, config) })),
    ...config.grpcRoutes.map((route) => ({ kind: 'GRPCRoute' as const, namespace: route.namespace, name: route.name, parents: routeStatus(route, config) })),
  ];
  return { ok: errors === 0, dir, errors, warnings: result.issues.length - errors, loaded, issues: result.issues, routes };
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function summaryLine(report: ValidationReport): string {
  const loaded = (Object.values(kindNames) as Array<[string, string]>)
    .filter(([kind]) => (report.loaded[kind] ?? 0) > 0)
    .map(([kind, kinds]) => plural(report.loaded[kind] ?? 0, kind, kinds))
    .join(', ');
  const counts = `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}`;
  const objects = loaded === '' ? 'no objects' : loaded;
  return report.ok
    ? `${report.dir}: valid, ${counts} (${objects})`
    : `${report.dir}: invalid, ${counts}; objects with errors are left out (loaded: ${objects})`;
}

/** `route HTTPRoute shop/reviews -> Service shop/reviews:9080: Accepted=True (Accepted), ResolvedRefs=True (ResolvedRefs)` */
export function routeStatusLines(report: ValidationReport): string[] {
  return report.routes.flatMap((route) => route.parents.map((parent) => `route ${route.kind} ${route.namespace}/${route.name} -> ${formatParentStatus(parent)}`));
}

export function renderValidationReport(report: ValidationReport): string {
  return [...report.issues.map(formatIssue), ...routeStatusLines(report), summaryLine(report)].join('\n') + '\n';
}

export function validationExitCode(report: ValidationReport): number {
  return report.ok ? 0 : 1;
}
