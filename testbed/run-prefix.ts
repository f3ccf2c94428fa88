import { randomBytes } from 'node:crypto';

/** `weft-` + a kind letter + 6 hex digits: short enough to leave room in
 * interface and namespace names, distinct enough to sweep by. */
export const runPrefixPattern = /^weft-[a-z][0-9a-f]{6}$/;

/** Finds a run prefix at the start of a name such as `weft-t3fa9c1-node-1`. */
const leadingPrefix = /^(weft-[a-z][0-9a-f]{6})(?:-|$)/;

export function newRunPrefix(kind = 't'): string {
  if (!/^[a-z]$/.test(kind)) throw new Error(`testbed kind must be one lowercase letter, got ${JSON.stringify(kind)}`);
  return `weft-${kind}${randomBytes(3).toString('hex')}`;
}

export function isRunPrefix(value: string): boolean {
  return runPrefixPattern.test(value);
}

export function prefixOf(name: string): string | undefined {
  return leadingPrefix.exec(name)?.[1];
}

/** True for the prefix itself and names built from it (`<prefix>-...`);
 * `weft-t3fa9c1` never matches `weft-t3fa9c10`. */
export function belongsTo(name: string, prefix: string): boolean {
  return name === prefix || name.startsWith(`${prefix}-`);
}
