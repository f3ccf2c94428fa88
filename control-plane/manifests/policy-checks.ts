/**
 * One-document checks of AuthorizationPolicy and PeerAuthentication: what
 * Istio's validation refuses (CUSTOM, DENY or AUDIT without rules, empty
 * sources and operations, bad principals, CIDRs, ports, condition keys),
 * plus what Weft cannot match (path templates). A policy that cannot match
 * the way its author meant is an error: an ALLOW rule silently matching
 * nothing denies traffic, a DENY rule silently matching nothing lets it by.
 */
import { conditionKeys, conditionValueKind } from '../../model/authorization-keys.js';
import { checkCidr } from '../../model/cidr.js';
import { labelKeyProblem } from '../../model/label-key.js';
import type { FieldPath } from './field-path.js';
import type { ConfigIssue } from '../../model/issues.js';
import { issueAt, type ManifestObject } from './manifest-object.js';
import { principalProblem } from '../../model/principal.js';

type Report = (severity: ConfigIssue['severity'], path: FieldPath, message: string) => void;

const namespacePattern = /^\*?[a-z0-9-]*\*?$/;

function checkSelector(report: Report, matchLabels: Record<string, string> | undefined): void {
  for (const key of Object.keys(matchLabels ?? {})) {
    const problem = labelKeyProblem(key);
    if (problem) report('error', ['spec', 'selector', 'matchLabels', key], `invalid label key: ${problem}`);
  }
}

function checkEach(values: string[] | undefined, path: FieldPath, report: Report, problemOf: (value: string) => string | undefined): void {
  values?.forEach((value, index) => {
    const problem = problemOf(value);
    if (problem) report('error', [...path, index], problem);
  });
}

function checkIpBlocks(report: Report, path: FieldPath, blocks: string[] | undefined): void {
  blocks?.forEach((block, index) => {
    const { error, network } = checkCidr(block);
    if (error) report('error', [...path, index], error);
    else if (network) report('warning', [...path, index], `${block} has host bits set; it means the network ${network}`);
  });
}

const portProblem = (port: string) => (Number(port) >= 1 && Number(port) <= 65535 ? undefined : `port ${port} is not in 1-65535`);

function namespaceProblem(namespace: string): string | undefined {
  if (namespace === '*') return undefined;
  const stars = [...namespace].filter((char) => char === '*').length;
  if (!namespacePattern.test(namespace) || stars > 1 || (stars === 1 && namespace.length === 1)) {
    return `must be a namespace name, "*", or a prefix* or *suffix of one (got ${JSON.stringify(namespace)})`;
  }
  return undefined;
}

/** Istio's path patterns are exact, `prefix*`, `*suffix` and `*`; anything else would be compared literally and never match. */
function pathProblem(path: string): string | undefined {
  if (path.includes('{')) return `path templates such as {*} and {**} are not supported (got ${JSON.stringify(path)}); use an exact path, a prefix* or a *suffix`;
  if (path !== '*' && path.slice(1, -1).includes('*')) return `"*" may appear only at the start or the end of a path (got ${JSON.stringify(path)})`;
  return undefined;
}

/** Istio refuses an empty source or operation: `{}` says nothing, and reads as if it constrained something. */
const isEmpty = (fields: Record<string, unknown[] | undefined>) => Object.values(fields).every((values) => (values ?? []).length === 0);

function checkAuthorizationPolicy(object: Extract<ManifestObject, { kind: 'AuthorizationPolicy' }>, report: Report): void {
  const spec = object.manifest.spec ?? {};
  checkSelector(report, spec.selector?.matchLabels);
  const rules = spec.rules ?? [];
  if (spec.action === 'CUSTOM') {
    report('error', ['spec', 'action'], 'CUSTOM (external authorization) is not supported by Weft; use ALLOW, DENY or AUDIT');
  } else if (rules.length === 0 && spec.action !== undefined && spec.action !== 'ALLOW') {
    // Istio refuses these: they would match nothing, and a DENY-all is written as an ALLOW without rules.
    report('error', spec.rules ? ['spec', 'rules'] : ['spec', 'action'], `${spec.action === 'AUDIT' ? 'an' : 'a'} ${spec.action} policy needs at least one rule; without rules it matches nothing (to deny everything, use an ALLOW policy without rules)`);
  }
  rules.forEach((rule, ruleIndex) => {
    const rulePath = ['spec', 'rules', ruleIndex];
    if (rule.from?.length === 0) report('error', [...rulePath, 'from'], 'must not be empty: remove it to match any source');
    if (rule.to?.length === 0) report('error', [...rulePath, 'to'], 'must not be empty: remove it to match any operation');
    rule.from?.forEach(({ source }, index) => {
      const path = [...rulePath, 'from', index, 'source'];
      if (isEmpty(source)) report('error', path, 'an empty source matches nothing useful and Istio refuses it; remove it or set a field');
      checkEach(source.principals, [...path, 'principals'], report, principalProblem);
      checkEach(source.notPrincipals, [...path, 'notPrincipals'], report, principalProblem);
      checkEach(source.namespaces, [...path, 'namespaces'], report, namespaceProblem);
      checkEach(source.notNamespaces, [...path, 'notNamespaces'], report, namespaceProblem);
      checkIpBlocks(report, [...path, 'ipBlocks'], source.ipBlocks);
      checkIpBlocks(report, [...path, 'notIpBlocks'], source.notIpBlocks);
      checkIpBlocks(report, [...path, 'remoteIpBlocks'], source.remoteIpBlocks);
      checkIpBlocks(report, [...path, 'notRemoteIpBlocks'], source.notRemoteIpBlocks);
    });
    rule.to?.forEach(({ operation }, index) => {
      const path = [...rulePath, 'to', index, 'operation'];
      checkEach(operation.ports, [...path, 'ports'], report, portProblem);
      checkEach(operation.notPorts, [...path, 'notPorts'], report, portProblem);
      checkEach(operation.paths, [...path, 'paths'], report, pathProblem);
      checkEach(operation.notPaths, [...path, 'notPaths'], report, pathProblem);
      if (isEmpty(operation)) report('error', path, 'an empty operation matches nothing useful and Istio refuses it; remove it or set a field');
    });
    rule.when?.forEach((condition, index) => {
      const path = [...rulePath, 'when', index];
      const kind = conditionValueKind(condition.key);
      if (kind === undefined) {
        report('error', [...path, 'key'], `unknown key ${JSON.stringify(condition.key)}; Weft reads ${conditionKeys.join(', ')}`);
        return;
      }
      if ((condition.values ?? []).length === 0 && (condition.notValues ?? []).length === 0) {
        report('error', path, 'set values, notValues or both');
      }
      for (const field of ['values', 'notValues'] as const) {
        if (kind === 'ip') checkIpBlocks(report, [...path, field], condition[field]);
        if (kind === 'port') checkEach(condition[field], [...path, field], report, (value) => (/^[0-9]{1,5}$/.test(value) ? portProblem(value) : `${JSON.stringify(value)} is not a port number`));
      }
    });
  });
}

function checkPeerAuthentication(object: Extract<ManifestObject, { kind: 'PeerAuthentication' }>, report: Report): void {
  const spec = object.manifest.spec ?? {};
  checkSelector(report, spec.selector?.matchLabels);
  const ports = Object.keys(spec.portLevelMtls ?? {});
  for (const port of ports) {
    if (!/^[0-9]{1,5}$/.test(port) || portProblem(port)) report('error', ['spec', 'portLevelMtls', port], `keys are port numbers 1-65535 (got ${JSON.stringify(port)})`);
  }
  // Istio's rule: a port of which workload? Only a selector says.
  if (ports.length > 0 && Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
    report('error', ['spec', 'portLevelMtls'], 'needs a selector: port-level settings apply to the ports of selected workloads');
  }
}

export function checkPolicy(object: Extract<ManifestObject, { kind: 'AuthorizationPolicy' | 'PeerAuthentication' }>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (severity, path, message) => issues.push(issueAt(object, severity, path, message));
  if (object.kind === 'AuthorizationPolicy') checkAuthorizationPolicy(object, report);
  else checkPeerAuthentication(object, report);
  return issues;
}
