/**
 * An API object turned into the manifest the model validates, named so that
 * issues point back at the API object (`kubernetes:Service/shop/reviews`),
 * with a way to say which API field a manifest field came from.
 */
import type { ConfigIssue } from '../manifests/index.js';
import type { ApiObject } from './kubernetes-api-object.js';

export const SOURCE_PREFIX = 'kubernetes:';

export interface MappedObject {
  /** The issue `file`: `kubernetes:Kind/namespace/name`, `kubernetes:Namespace/name`. */
  file: string;
  manifest: Record<string, unknown>;
  /** creationTimestamp: of two objects claiming one address, the older keeps it. */
  created: string;
  /** A manifest field path -> the API object's field it was read from. Identity when absent. */
  apiPath?: (manifestPath: string) => string;
  /** Problems found while mapping, before the model sees the object. */
  issues?: ConfigIssue[];
}

/** Why an object is left out of the mesh (a pod without an IP, a headless Service, ...). */
export interface Skipped {
  skipped: string;
}

export type MappingResult = MappedObject | Skipped;

export function isSkipped(result: MappingResult): result is Skipped {
  return 'skipped' in result;
}

export function sourceName(kind: string, namespace: string | undefined, name: string): string {
  return `${SOURCE_PREFIX}${kind}/${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

export function createdAt(object: ApiObject): string {
  return object.metadata?.creationTimestamp ?? '';
}

/**
 * A rewriter for field paths: each entry maps a manifest path prefix to the
 * API path it stands for, matched on whole segments.
 */
export function prefixRewriter(prefixes: Readonly<Record<string, string>>): (path: string) => string {
  return (path) => {
    for (const [from, to] of Object.entries(prefixes)) {
      if (path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`)) return `${to}${path.slice(from.length)}`;
    }
    return path;
  };
}
