/**
 * A request path -> the resource it names, by the API server's URL scheme:
 * `/api/v1[/namespaces/{ns}]/{plural}[/{name}]` for the core group and
 * `/apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}]` for the others.
 */
import { type ResourceType, typeAtPath } from './resource-types.js';

export interface ApiTarget {
  type: ResourceType;
  /** Set for a path under /namespaces/{ns}/, and for a cluster-scoped object's own name. */
  namespace?: string;
  name?: string;
  /** `/status` after an object's name: the status subresource (served for custom resources) */
  subresource?: 'status';
}

function segmentsOf(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter((segment) => segment !== '').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed %-escape
  }
}

export function parseApiPath(pathname: string): ApiTarget | undefined {
  const segments = segmentsOf(pathname);
  if (!segments) return undefined;
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    [group, version, rest] = ['', segments[1] ?? '', segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  } else {
    return undefined;
  }

  let namespace: string | undefined;
  // `namespaces/{ns}/{plural}...` is a namespaced collection; `namespaces/{name}` is a Namespace.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  // The one subresource served is a custom resource's status; log, scale, ... are not.
  const subresource = rest.length === 3 && rest[2] === 'status' ? 'status' : undefined;
  if (rest.length < 1 || rest.length > 3 || (rest.length === 3 && !subresource)) return undefined;
  const type = typeAtPath(group, version, rest[0] ?? '');
  if (!type) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  if (subresource && !type.custom) return undefined;
  const name = rest[1];
  return { type, ...(namespace === undefined ? {} : { namespace }), ...(name === undefined ? {} : { name }), ...(subresource ? { subresource } : {}) };
}
