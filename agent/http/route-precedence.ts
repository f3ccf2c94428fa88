/**
 * Which of several matching rules wins, across every route merged onto one
 * Service port. Each match has a precedence key (http-route-match.ts,
 * grpc-route-match.ts: the spec's criteria, most important first, larger
 * wins); ties go to the older route, then to "{namespace}/{name}" in
 * alphabetical order, then to the first rule in the route, as both the
 * HTTPRoute and the GRPCRoute spec say.
 */
import { creationTime } from '../../model/creation-timestamp.js';

/** Compared element by element; the larger number wins. */
export type PrecedenceKey = readonly number[];

export interface RouteAge {
  namespace: string;
  name: string;
  creationTimestamp?: string;
}

export interface RankedMatch {
  key: PrecedenceKey;
  route: RouteAge;
  ruleIndex: number;
  matchIndex: number;
}

/** Negative when `a` takes precedence. */
export function compareKeys(a: PrecedenceKey, b: PrecedenceKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (b[i] ?? 0) - (a[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const codeUnitOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The oldest route first. Only the Kubernetes source knows when a route was
 * created; a directory of manifests (file mode) does not, and a timestamp
 * written into a file would be whatever its author typed. So a route
 * without one is ordered after every route with one (it is taken to be
 * newer than anything the API server has stamped), and routes without one
 * are ordered among themselves by "{namespace}/{name}" alone: the same
 * order whichever file or document they are in.
 */
export function compareRouteAge(a: RouteAge, b: RouteAge): number {
  if (a.creationTimestamp !== undefined && b.creationTimestamp !== undefined) {
    // The codec lets through only RFC 3339; a NaN here (a hand-built config) must not poison sort().
    const older = creationTime(a.creationTimestamp) - creationTime(b.creationTimestamp);
    if (older < 0 || older > 0) return older;
  } else if (a.creationTimestamp !== undefined || b.creationTimestamp !== undefined) {
    return a.creationTimestamp !== undefined ? -1 : 1;
  }
  // The spec's "alphabetical order by {namespace}/{name}": the joined string, by code unit, not by locale.
  return codeUnitOrder(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`);
}

/** For sort(): the match that takes precedence first. */
export function byPrecedence(a: RankedMatch, b: RankedMatch): number {
  return compareKeys(a.key, b.key) || compareRouteAge(a.route, b.route) || a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
}
