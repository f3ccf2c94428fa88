/**
 * Valid manifests from any number of files -> the mesh config. Checks that
 * span documents happen here: an object that clashes with an earlier one
 * (same name, same address, same cgroup) is rejected and the earlier one
 * kept, so the result depends only on the order of files and documents.
 * Routes are checked against the Services accepted here (build-routes.ts).
 */
import { toAuthorizationPolicy, toPeerAuthentication } from './build-policies.js';
import { checkRouteReferences, toGrpcRoute, toHttpRoute } from './build-routes.js';
import { MESH_LABEL } from './document-checks.js';
import type { ConfigIssue } from '../../model/issues.js';
import { issueAt, type ManifestObject, objectLocation, objectName } from './manifest-object.js';
import { policyScope } from '../../model/policy-types.js';
import type { GrpcRoute, HttpRoute } from '../../model/route-types.js';
import { routeOnlyOnTcpPorts, routeOnTcpReason } from '../../model/route-on-tcp.js';
import { opaquePortsAnnotation, parseOpaquePorts } from '../../model/opaque-ports.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';
import type { AuthorizationPolicy, LoadResult, MeshConfig, MeshNamespace, PeerAuthentication, Service, Workload } from '../../model/types.js';

type ObjectOf<K extends ManifestObject['kind']> = Extract<ManifestObject, { kind: K }>;

function toService({ manifest, source }: ObjectOf<'Service'>): Service {
  const opaque = parseOpaquePorts(manifest.metadata.annotations?.[opaquePortsAnnotation], manifest.spec.ports);
  return {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? DEFAULT_NAMESPACE,
    clusterIP: manifest.spec.clusterIP,
    selector: { ...manifest.spec.selector },
    ports: manifest.spec.ports.map((port) => ({
      ...(port.name === undefined ? {} : { name: port.name }),
      port: port.port,
      targetPort: port.targetPort ?? port.port,
      protocol: 'TCP' as const,
      ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
      ...(opaque.matches(port) ? { opaque: true } : {}),
    })),
    source,
  };
}

function toWorkload({ manifest, source }: ObjectOf<'Workload'>, namespaceMeshed: boolean): Workload {
  return {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? DEFAULT_NAMESPACE,
    labels: { ...manifest.metadata.labels },
    node: manifest.spec.node,
    ip: manifest.spec.ip,
    serviceAccount: manifest.spec.serviceAccount ?? 'default',
    ...(manifest.spec.cgroup === undefined ? {} : { cgroup: manifest.spec.cgroup }),
    ...(manifest.spec.uid === undefined ? {} : { uid: manifest.spec.uid }),
    ...(manifest.spec.qosClass === undefined ? {} : { qosClass: manifest.spec.qosClass }),
    mesh: namespaceMeshed && (manifest.spec.mesh ?? true),
    source,
  };
}

/** First claimant of a key wins; a later one gets an error naming the first. */
class Claims {
  readonly #owners = new Map<string, ManifestObject>();

  owner(key: string): ManifestObject | undefined {
    return this.#owners.get(key);
  }

  claim(key: string, object: ManifestObject): void {
    if (!this.#owners.has(key)) this.#owners.set(key, object);
  }
}

function describeOwner(owner: ManifestObject): string {
  return `${owner.kind} ${objectName(owner)} (${objectLocation(owner)})`;
}

export function buildMeshConfig(objects: readonly ManifestObject[]): LoadResult {
  const issues: ConfigIssue[] = [];
  const names = new Claims();
  const addresses = new Claims(); // Service VIPs and Workload IPs share one space: connect4 keys on the IP.
  const cgroups = new Claims();

  const accept = (object: ManifestObject): boolean => {
    const key = `${object.kind}/${objectName(object)}`;
    const owner = names.owner(key);
    if (owner) {
      issues.push(issueAt(object, 'error', ['metadata', 'name'], `duplicate ${object.kind} ${objectName(object)}: already defined at ${objectLocation(owner)}`));
      return false;
    }
    names.claim(key, object);
    return true;
  };
  const claimAddress = (object: ObjectOf<'Service'> | ObjectOf<'Workload'>, field: 'clusterIP' | 'ip', ip: string): boolean => {
    const owner = addresses.owner(ip);
    if (owner) {
      issues.push(issueAt(object, 'error', ['spec', field], `${ip} is already used by ${describeOwner(owner)}`));
      return false;
    }
    addresses.claim(ip, object);
    return true;
  };

  const of = <K extends ManifestObject['kind']>(kind: K) => objects.filter((object): object is ObjectOf<K> => object.kind === kind);

  const meshDisabled = new Set<string>();
  const namespaces: MeshNamespace[] = [];
  for (const namespace of of('Namespace')) {
    if (!accept(namespace)) continue;
    const { name, labels } = namespace.manifest.metadata;
    if (labels?.[MESH_LABEL] === 'disabled') meshDisabled.add(name);
    namespaces.push({ name, labels: { ...labels }, source: namespace.source });
  }

  const services: Service[] = [];
  for (const object of of('Service')) {
    if (!accept(object)) continue;
    if (!claimAddress(object, 'clusterIP', object.manifest.spec.clusterIP)) continue;
    services.push(toService(object));
  }

  const workloads: Workload[] = [];
  for (const object of of('Workload')) {
    if (!accept(object)) continue;
    const { spec } = object.manifest;
    if (!claimAddress(object, 'ip', spec.ip)) continue;
    // Identity is read from the cgroup id: two workloads in one cgroup could not be told apart.
    if (spec.cgroup !== undefined) {
      const cgroupKey = `${spec.node}\0${spec.cgroup}`;
      const cgroupOwner = cgroups.owner(cgroupKey);
      if (cgroupOwner) {
        issues.push(issueAt(object, 'error', ['spec', 'cgroup'], `cgroup ${spec.cgroup} on node ${spec.node} is already used by ${describeOwner(cgroupOwner)}`));
        continue;
      }
      cgroups.claim(cgroupKey, object);
    }

    const workload = toWorkload(object, !meshDisabled.has(object.manifest.metadata.namespace ?? DEFAULT_NAMESPACE));
    if (meshDisabled.has(workload.namespace)) {
      const explicit = object.lines.has(['spec', 'mesh']) && spec.mesh === true;
      issues.push(
        issueAt(
          object,
          'warning',
          explicit ? ['spec', 'mesh'] : ['metadata', 'namespace'],
          `namespace ${workload.namespace} is labelled ${MESH_LABEL}: disabled, so this workload is not meshed${explicit ? ' (the namespace label wins over spec.mesh: true)' : ''}`,
        ),
      );
    }
    // A Kubernetes source fills uid and qosClass instead; a manifest has only the cgroup to go by.
    if (workload.mesh && spec.cgroup === undefined && spec.uid === undefined) {
      issues.push(issueAt(object, 'warning', ['spec', 'cgroup'], 'meshed, but cannot be enrolled without spec.cgroup: its traffic is not redirected'));
    }
    workloads.push(workload);
  }

  const servicesByName = new Map(services.map((service) => [`${service.namespace}/${service.name}`, service]));
  const acceptRoute = <R extends HttpRoute | GrpcRoute>(object: ObjectOf<'HTTPRoute'> | ObjectOf<'GRPCRoute'>, route: R, into: R[]) => {
    const problems = checkRouteReferences(object, route, servicesByName);
    issues.push(...problems);
    if (problems.every((issue) => issue.severity !== 'error')) {
      into.push(route);
      routeObjects.set(route, object);
    }
  };
  const routeObjects = new Map<HttpRoute | GrpcRoute, ObjectOf<'HTTPRoute'> | ObjectOf<'GRPCRoute'>>();
  const httpRoutes: HttpRoute[] = [];
  for (const object of of('HTTPRoute')) if (accept(object)) acceptRoute(object, toHttpRoute(object), httpRoutes);
  const grpcRoutes: GrpcRoute[] = [];
  for (const object of of('GRPCRoute')) if (accept(object)) acceptRoute(object, toGrpcRoute(object), grpcRoutes);
  for (const route of [...httpRoutes, ...grpcRoutes]) {
    const tcpPorts = routeOnlyOnTcpPorts(route, services, grpcRoutes);
    if (tcpPorts.length > 0) issues.push(issueAt(routeObjects.get(route)!, 'warning', ['spec', 'parentRefs'], `not applied: ${routeOnTcpReason} (attached to ${tcpPorts.join(', ')})`));
  }

  const authorizationPolicies: AuthorizationPolicy[] = [];
  for (const object of of('AuthorizationPolicy')) if (accept(object)) authorizationPolicies.push(toAuthorizationPolicy(object));

  // Istio applies one namespace-wide (or, in the root namespace, mesh-wide) PeerAuthentication; two would be ambiguous.
  const peerAuthentications: PeerAuthentication[] = [];
  const wide = new Claims();
  for (const object of of('PeerAuthentication')) {
    if (!accept(object)) continue;
    const policy = toPeerAuthentication(object);
    const scope = policyScope(policy);
    if (scope !== 'workload') {
      const owner = wide.owner(policy.namespace);
      if (owner) {
        issues.push(
          issueAt(object, 'error', ['spec', 'selector'], `namespace ${policy.namespace} already has a ${scope}-wide PeerAuthentication, ${describeOwner(owner)}; add a selector or merge the two`),
        );
        continue;
      }
      wide.claim(policy.namespace, object);
    }
    peerAuthentications.push(policy);
  }

  // Every kind is kept in source order; issues follow it per kind.
  // Nodes are not manifests: the control plane adds the ones whose agents it has seen.
  const config: MeshConfig = { nodes: [], services, workloads, httpRoutes, grpcRoutes, authorizationPolicies, peerAuthentications, namespaces };
  return { config, issues };
}
