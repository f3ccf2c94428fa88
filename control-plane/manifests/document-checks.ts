/**
 * Checks that need only one document but that JSON Schema cannot say (or
 * cannot say portably): label keys, repeated ports, addresses no pod or
 * Service can have; routes and policies have theirs in route-checks.ts and
 * policy-checks.ts. An error here rejects the document, as a schema error does.
 */
import { opaquePortsAnnotation, parseOpaquePorts } from '../../model/opaque-ports.js';
import type { FieldPath } from './field-path.js';
import { unusableAddress } from '../../model/address.js';
import { labelKeyProblem } from '../../model/label-key.js';
import { isNotEnforcedKind, notEnforcedKinds } from '../../model/not-enforced.js';
import type { ConfigIssue } from '../../model/issues.js';
import { issueAt, type ManifestObject } from './manifest-object.js';
import { checkPolicy } from './policy-checks.js';
import { checkRoute } from './route-checks.js';

/** The label that switches a namespace in or out of the mesh. */
export const MESH_LABEL = 'weft.dev/mesh';

export { labelKeyProblem } from '../../model/label-key.js';

export { unusableAddress } from '../../model/address.js';

function checkLabelKeys(object: ManifestObject, path: FieldPath, labels: Record<string, string> | undefined): ConfigIssue[] {
  return Object.keys(labels ?? {}).flatMap((key) => {
    const problem = labelKeyProblem(key);
    return problem ? [issueAt(object, 'error', [...path, key], `invalid label key: ${problem}`)] : [];
  });
}

function checkAddress(object: ManifestObject, path: FieldPath, ip: string): ConfigIssue[] {
  const problem = unusableAddress(ip);
  return problem ? [issueAt(object, 'error', path, `${ip} ${problem}; it cannot be used here`)] : [];
}

function checkService(object: Extract<ManifestObject, { kind: 'Service' }>): ConfigIssue[] {
  const { spec } = object.manifest;
  const issues = [...checkLabelKeys(object, ['spec', 'selector'], spec.selector), ...checkAddress(object, ['spec', 'clusterIP'], spec.clusterIP)];
  const opaque = object.manifest.metadata.annotations?.[opaquePortsAnnotation];
  for (const entry of parseOpaquePorts(opaque, spec.ports).unknown) {
    issues.push(issueAt(object, 'warning', ['metadata', 'annotations', opaquePortsAnnotation], `${JSON.stringify(entry)} is no port of this Service (by number or name); ignored`));
  }
  if (Object.keys(spec.selector ?? {}).length === 0) {
    const path = spec.selector ? ['spec', 'selector'] : ['spec'];
    issues.push(issueAt(object, 'warning', path, 'no selector: no workload backs this Service, so connections to it fail'));
  }
  const byPort = new Map<number, number>();
  const byName = new Map<string, number>();
  spec.ports.forEach((port, index) => {
    const samePort = byPort.get(port.port);
    if (samePort === undefined) byPort.set(port.port, index);
    else issues.push(issueAt(object, 'error', ['spec', 'ports', index, 'port'], `port ${port.port} is already declared by spec.ports[${samePort}]`));
    if (port.name === undefined) {
      if (spec.ports.length > 1) {
        issues.push(issueAt(object, 'warning', ['spec', 'ports', index], 'Kubernetes requires a name on every port of a Service with more than one port'));
      }
      return;
    }
    const sameName = byName.get(port.name);
    if (sameName === undefined) byName.set(port.name, index);
    else issues.push(issueAt(object, 'error', ['spec', 'ports', index, 'name'], `port name "${port.name}" is already used by spec.ports[${sameName}]`));
  });
  return issues;
}

function checkNamespace(object: Extract<ManifestObject, { kind: 'Namespace' }>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mesh = object.manifest.metadata.labels?.[MESH_LABEL];
  if (mesh !== undefined && mesh !== 'enabled' && mesh !== 'disabled') {
    issues.push(issueAt(object, 'warning', ['metadata', 'labels', MESH_LABEL], `must be "enabled" or "disabled" (got "${mesh}"); ignored`));
  }
  return issues;
}

function checkWorkload(object: Extract<ManifestObject, { kind: 'Workload' }>): ConfigIssue[] {
  return checkAddress(object, ['spec', 'ip'], object.manifest.spec.ip);
}

function checkKind(object: ManifestObject): ConfigIssue[] {
  switch (object.kind) {
    case 'Service':
      return checkService(object);
    case 'Namespace':
      return checkNamespace(object);
    case 'Workload':
      return checkWorkload(object);
    case 'HTTPRoute':
    case 'GRPCRoute':
      return checkRoute(object);
    case 'AuthorizationPolicy':
    case 'PeerAuthentication':
      return checkPolicy(object);
  }
}

/** Accepted is not enforced, for the kinds the proxy does not act on yet: said on every object. */
function checkEnforced(object: ManifestObject): ConfigIssue[] {
  if (!isNotEnforcedKind(object.kind)) return [];
  return [issueAt(object, 'warning', ['kind'], `${object.kind} is accepted and distributed, but not enforced: ${notEnforcedKinds[object.kind]}`)];
}

export function checkDocument(object: ManifestObject): ConfigIssue[] {
  return [...checkLabelKeys(object, ['metadata', 'labels'], object.manifest.metadata.labels), ...checkKind(object), ...checkEnforced(object)];
}
