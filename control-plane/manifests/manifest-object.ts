/**
 * A document that passed its schema: the defaulted manifest, where it came
 * from, and the lines of its fields so that later checks can point into it.
 */
import type { FieldLines } from './field-lines.js';
import { type FieldPath, formatPath } from './field-path.js';
import type { ConfigIssue, ResourceRef } from '../../model/issues.js';
import { isNamespaced, type ManifestsByKind, type SupportedKind } from './kinds.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';
import type { SourceRef } from '../../model/types.js';

export type ManifestObject = {
  [K in SupportedKind]: { kind: K; manifest: ManifestsByKind[K]; source: SourceRef; lines: FieldLines };
}[SupportedKind];

export function issueAt(
  object: ManifestObject,
  severity: ConfigIssue['severity'],
  path: FieldPath,
  message: string,
): ConfigIssue {
  return {
    severity,
    file: object.source.file,
    document: object.source.document,
    path: formatPath(path),
    line: object.lines.line(path),
    message,
    resource: resourceOf(object),
  };
}

export function resourceOf(object: ManifestObject): ResourceRef {
  const { metadata } = object.manifest;
  // Schema-valid, so a namespaced kind's namespace is a string (or left to the default).
  const namespace = isNamespaced(object.kind) ? String(metadata.namespace ?? DEFAULT_NAMESPACE) : '';
  return { kind: object.kind, namespace, name: metadata.name };
}

/** `shop/reviews`, or `shop` for a Namespace. */
export function objectName(object: ManifestObject): string {
  const { namespace, name } = resourceOf(object);
  return namespace === '' ? name : `${namespace}/${name}`;
}

/** `a.yaml:3 [doc 0]`, for messages that point at another object. */
export function objectLocation(object: ManifestObject): string {
  const { file, document, line } = object.source;
  return `${file}${line === undefined ? '' : `:${line}`} [doc ${document}]`;
}
