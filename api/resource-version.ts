/**
 * A resource's version is a hash of its proto body: equal content, equal
 * version, on every control-plane replica and after every restart, so a
 * reconnecting agent's `initial_resource_versions` match whatever serves it
 * next and only real changes travel.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and undefined left out: map fields (labels) hash the same in any order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** 64 bits of sha256: ample for telling versions of one resource apart. */
export function contentVersion(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 16);
}
