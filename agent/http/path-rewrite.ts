/**
 * HTTPPathModifier, as URLRewrite and RequestRedirect apply it.
 * ReplaceFullPath replaces the whole path. ReplacePrefixMatch replaces the
 * path elements the rule's PathPrefix matched, with the spec's table
 * (HTTPPathModifier.ReplacePrefixMatch) as the reference: a trailing '/' on
 * the prefix or the replacement is ignored, no '//' appears where the two
 * meet, and an empty result is "/":
 *
 *   /foo/bar  /foo   /xyz   -> /xyz/bar      /foo/   /foo  /xyz -> /xyz/
 *   /foo/bar  /foo/  /xyz/  -> /xyz/bar      /foo    /foo  ""   -> /
 *   /prefix/one/two  /prefix/one  /one  -> /one/two   (conformance)
 *   /strip-prefix/three  /strip-prefix  /  -> /three  (conformance)
 *
 * The query is never part of the path and is kept as it came.
 */
import type { HttpPathModifier } from '../../model/route-types.js';
import { pathPrefixMatches, trimTrailingSlash } from './path-match.js';
import type { RequestView } from './request-view.js';
import { PrefixNotMatchedError } from './route-errors.js';

/** A path the prefix does not match is left as it is (the route table never pairs them). */
export function replacePrefixMatch(path: string, prefix: string, replacement: string): string {
  if (!pathPrefixMatches(prefix, path)) return path;
  const rest = path.slice(trimTrailingSlash(prefix).length); // '' or '/...'
  const rewritten = trimTrailingSlash(replacement) + rest;
  if (rewritten === '') return '/';
  return rewritten.startsWith('/') ? rewritten : `/${rewritten}`;
}

/** `matchedPrefix`: the hit's, which a ReplacePrefixMatch needs (route-lookup.ts HttpRouteHit). */
export function rewritePath(path: string, modifier: HttpPathModifier, matchedPrefix: string | undefined): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value || '/';
  if (matchedPrefix === undefined) throw new PrefixNotMatchedError(`ReplacePrefixMatch ${JSON.stringify(modifier.value)} on ${JSON.stringify(path)}: the rule was not matched by a PathPrefix`);
  return replacePrefixMatch(path, matchedPrefix, modifier.value);
}

/** path?query: the request target after a URLRewrite's path modifier (none: as it came). */
export function rewriteRequestTarget(request: Pick<RequestView, 'path' | 'query'>, modifier: HttpPathModifier | undefined, matchedPrefix: string | undefined): string {
  const path = modifier ? rewritePath(request.path, modifier, matchedPrefix) : request.path;
  return request.query === '' ? path : `${path}?${request.query}`;
}
