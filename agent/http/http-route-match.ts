/**
 * One HTTPRouteMatch compiled: a test (every condition must hold) and its
 * precedence key, the HTTPRoute spec's criteria in order:
 *
 *   1. an Exact path, then a PathPrefix, then a RegularExpression (the spec
 *      leaves regular expressions' place to implementations; Istio puts them
 *      after every prefix, and so does Weft);
 *   2. the longest path value (a prefix's trailing '/' not counted, as it is
 *      not matched; a regular expression's length is Istio's tie-break);
 *   3. a method match;
 *   4. the most header matches;
 *   5. the most query parameter matches.
 */
import { compileRouteRegex } from '../../model/route-regex.js';
import type { HttpRouteMatch } from '../../model/route-types.js';
import { compileHeaderMatches, compileQueryParamMatches, headerValue } from './header-match.js';
import { pathPrefixMatches, trimTrailingSlash } from './path-match.js';
import { firstQueryValues } from './query-params.js';
import type { RequestView } from './request-view.js';
import type { PrecedenceKey } from './route-precedence.js';

/** A request being matched: its query is parsed once, and only if a match asks. */
export class HttpMatchInput {
  #query: ReadonlyMap<string, string> | undefined;

  constructor(readonly view: RequestView) {}

  get queryParams(): ReadonlyMap<string, string> {
    this.#query ??= firstQueryValues(this.view.query);
    return this.#query;
  }
}

export interface CompiledHttpMatch {
  key: PrecedenceKey;
  /** A PathPrefix match's value: what ReplacePrefixMatch replaces. */
  prefix?: string;
  test(input: HttpMatchInput): boolean;
}

const PATH_RANK = { Exact: 3, PathPrefix: 2, RegularExpression: 1 } as const;

function pathTest(path: HttpRouteMatch['path']): (requestPath: string) => boolean {
  switch (path.type) {
    case 'Exact':
      return (requestPath) => requestPath === path.value;
    case 'PathPrefix':
      return (requestPath) => pathPrefixMatches(path.value, requestPath);
    case 'RegularExpression': {
      const regex = compileRouteRegex(path.value);
      return (requestPath) => regex.test(requestPath);
    }
  }
}

export function compileHttpMatch(match: HttpRouteMatch): CompiledHttpMatch {
  const path = pathTest(match.path);
  const headers = compileHeaderMatches(match.headers);
  const queryParams = compileQueryParamMatches(match.queryParams);
  const { method } = match;
  const pathLength = match.path.type === 'PathPrefix' ? trimTrailingSlash(match.path.value).length : match.path.value.length;
  return {
    key: [PATH_RANK[match.path.type], pathLength, method === undefined ? 0 : 1, headers.length, queryParams.length],
    ...(match.path.type === 'PathPrefix' ? { prefix: match.path.value } : {}),
    test: (input) =>
      (method === undefined || input.view.method === method) &&
      path(input.view.path) &&
      headers.every((header) => header.test(headerValue(input.view.headers, header.name))) &&
      (queryParams.length === 0 || queryParams.every((param) => param.test(input.queryParams.get(param.name)))),
  };
}
