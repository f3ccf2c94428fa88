/**
 * The Gateway API's header modifiers (RequestHeaderModifier,
 * ResponseHeaderModifier): `set` replaces every value of the header,
 * `add` appends a value to those already there, `remove` drops the header;
 * names compare case-insensitively.
 */
import type { HeaderModifier } from '../../model/route-types.js';

/** On a view's header record (lower-case names, arrays of values). */
export function modifyRequestHeaders(headers: Record<string, readonly string[] | undefined>, modifier: HeaderModifier): void {
  for (const { name, value } of modifier.set) headers[name.toLowerCase()] = [value];
  for (const { name, value } of modifier.add) headers[name.toLowerCase()] = [...(headers[name.toLowerCase()] ?? []), value];
  for (const name of modifier.remove) delete headers[name.toLowerCase()];
}

/** On response headers about to be written (node's shape: a string or an array per lower-case name). */
export function modifyResponseHeaders(headers: Record<string, string | string[]>, modifier: HeaderModifier): void {
  for (const { name, value } of modifier.set) headers[name.toLowerCase()] = value;
  for (const { name, value } of modifier.add) {
    const key = name.toLowerCase();
    const current = headers[key];
    headers[key] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
  }
  for (const name of modifier.remove) delete headers[name.toLowerCase()];
}
