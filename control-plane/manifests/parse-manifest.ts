/**
 * One file's text -> the valid manifests in it, and an issue for every
 * problem. Each document stands alone: a broken one is reported and
 * skipped, and the others still load.
 */
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { FieldLines } from './field-lines.js';
import { checkDocument } from './document-checks.js';
import type { ConfigIssue, ResourceRef } from '../../model/issues.js';
import { isNamespaced, isSupportedKind, notYetSupportedKinds, type SupportedKind, supportedKinds } from './kinds.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';
import type { ManifestObject } from './manifest-object.js';
import { validateManifest } from './schema-validator.js';
import { closest } from './suggest.js';

export interface ParsedManifests {
  objects: ManifestObject[];
  issues: ConfigIssue[];
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The object a document that failed its schema is about, if it says: what
 * lets the last good version of that object stay in force. Only for a
 * supported kind: a misspelt kind names no object anyone had.
 */
function readableResource(kind: SupportedKind, data: Record<string, unknown>): ResourceRef | undefined {
  const metadata = data.metadata;
  if (!isPlainMap(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return undefined;
  if (!isNamespaced(kind)) return { kind, namespace: '', name: metadata.name };
  const namespace = metadata.namespace === undefined ? DEFAULT_NAMESPACE : metadata.namespace;
  if (typeof namespace !== 'string') return undefined;
  return { kind, namespace, name: metadata.name };
}

export function parseManifestText(text: string, file: string): ParsedManifests {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false, // we print the location ourselves, as file:line
    merge: true, // `<<:` merge keys, as Kubernetes' YAML 1.1 reader allows
    uniqueKeys: true, // a repeated key is an error, not a silent override
  });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const objects: ManifestObject[] = [];
  const issues: ConfigIssue[] = [];

  // No documents at all, but perhaps stream-level errors (a stray `...`).
  const documents: Document.Parsed[] = 'empty' in parsed ? [] : parsed;
  if ('empty' in parsed) {
    for (const error of parsed.errors) {
      issues.push({ severity: 'error', file, document: 0, path: '', line: lineAt(error.pos[0]), message: error.message });
    }
  }

  documents.forEach((doc, document) => {
    const where = { file, document };
    for (const warning of doc.warnings) {
      issues.push({ severity: 'warning', ...where, path: '', line: lineAt(warning.pos[0]), message: warning.message });
    }
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        issues.push({ severity: 'error', ...where, path: '', line: lineAt(error.pos[0]), message: `YAML: ${error.message}` });
      }
      return;
    }
    if (doc.contents === null) return; // an empty document, e.g. after a trailing `---`

    const documentLine = lineAt(doc.contents.range[0]);
    const reject = (path: string, message: string, line = documentLine) =>
      issues.push({ severity: 'error', ...where, path, line, message });

    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // An alias bomb, or an alias to an anchor that is not defined.
      reject('', `YAML: ${(error as Error).message}`);
      return;
    }
    if (data === null || data === undefined) return; // only comments
    if (!isPlainMap(data)) {
      reject('', 'a manifest must be a map with apiVersion, kind, metadata and spec');
      return;
    }
    const lines = FieldLines.of(doc.contents, documentLine, lineCounter);
    const kind = data.kind;
    if (kind === undefined) {
      reject('kind', 'is required', lines.line(['kind']));
      return;
    }
    if (typeof kind !== 'string') {
      reject('kind', 'must be a string', lines.line(['kind']));
      return;
    }
    if (notYetSupportedKinds.has(kind)) {
      issues.push({ severity: 'warning', ...where, path: '', line: lines.line(['kind']), message: `kind ${kind} is not supported yet; ignored` });
      return;
    }
    if (!isSupportedKind(kind)) {
      const suggestion = closest(kind, [...Object.keys(supportedKinds), ...notYetSupportedKinds]);
      const known = Object.entries(supportedKinds).map(([name, { apiVersion }]) => `${apiVersion} ${name}`);
      reject(
        'kind',
        `unknown kind ${JSON.stringify(kind)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; Weft reads ${known.join(', ')}`,
        lines.line(['kind']),
      );
      return;
    }

    const resource = readableResource(kind, data);
    const schemaIssues = validateManifest(kind, data, lines, where);
    if (schemaIssues.length > 0) {
      issues.push(...schemaIssues.map((issue) => (resource ? { ...issue, resource } : issue)));
      return;
    }
    // The schema has just proven the shape; the cast names the kind it proved.
    const object = { kind, manifest: data, source: { file, document, line: documentLine }, lines } as ManifestObject;
    const documentIssues = checkDocument(object);
    issues.push(...documentIssues);
    if (documentIssues.some((issue) => issue.severity === 'error')) return;
    objects.push(object);
  });
  return { objects, issues };
}
