/**
 * A document that passed its schema: the defaulted manifest, where it came
 * from, and the lines of its fields so that later checks can point into it.
 */
import type { FieldLines } from './field-lines.js';
import { type FieldPath, formatPath } from './field-path.js';
import type { ConfigIssue } from './issues.js';
import type { ManifestsByKind, SupportedKind } from './kinds.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';
import type { SourceRef } from './types.js';

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
  };
}

/** `shop/reviews`, or `shop` for a Namespace. */
export function objectName(object: ManifestObject): string {
  if (object.kind === 'Namespace') return object.manifest.metadata.name;
  return `${object.manifest.metadata.namespace ?? DEFAULT_NAMESPACE}/${object.manifest.metadata.name}`;
}

/** `a.yaml:3 [doc 0]`, for messages that point at another object. */
export function objectLocation(object: ManifestObject): string {
  const { file, document, line } = object.source;
  return `${file}${line === undefined ? '' : `:${line}`} [doc ${document}]`;
}
