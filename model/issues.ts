/** Problems found in manifests, and how they are printed. */

/** The object an issue is about; namespace is '' for cluster-scoped kinds (Namespace). */
export interface ResourceRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface ConfigIssue {
  severity: 'error' | 'warning';
  file: string;
  /** 0-based index of the YAML document in the file. */
  document: number;
  /** Field path such as `spec.ports[0].port`; empty when the issue is about the whole document or file. */
  path: string;
  /** 1-based line of that field in the file. */
  line?: number;
  message: string;
  /**
   * Set when the document named a supported kind and a name: the object a
   * rejection keeps at its last good version (last-good-config.ts).
   */
  resource?: ResourceRef;
}

export function resourceKey(resource: ResourceRef): string {
  return `${resource.kind}/${resource.namespace}/${resource.name}`;
}

/** `shop.yaml:12 [doc 1] spec.ports[0].port: must be <= 65535`; warnings say so after the location. */
export function formatIssue(issue: ConfigIssue): string {
  const location = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const severity = issue.severity === 'warning' ? 'warning: ' : '';
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${location} [doc ${issue.document}] ${severity}${path}${issue.message}`;
}

export function countErrors(issues: readonly ConfigIssue[]): number {
  return issues.filter((issue) => issue.severity === 'error').length;
}
