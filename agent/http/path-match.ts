/**
 * HTTPRoute path matching (HTTPPathMatch): Exact is the whole path, case
 * and all; PathPrefix matches whole path elements, so `/v2` matches `/v2`,
 * `/v2/` and `/v2/x` but not `/v2example`, and a trailing `/` on the prefix
 * is ignored (`/v2/` matches `/v2`). RegularExpression is the whole path
 * (model/route-regex.ts).
 */

/** The prefix without its trailing '/': the form both matching and ReplacePrefixMatch work on. */
export function trimTrailingSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

export function pathPrefixMatches(prefix: string, path: string): boolean {
  const trimmed = trimTrailingSlash(prefix);
  // Prefix "/" trims to "": every path that starts with "/", whole elements or not.
  if (trimmed === '') return path.startsWith('/');
  return path === trimmed || path.startsWith(`${trimmed}/`);
}
