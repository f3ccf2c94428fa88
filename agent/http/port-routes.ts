/**
 * The routes one caller sees on one Service port, merged and compiled: every
 * match of every rule of every route, sorted once by precedence
 * (route-precedence.ts), so a request is matched by walking the list until
 * a match holds. The first to hold is the winner the specs describe.
 */
import type { GrpcRoute, HttpRoute } from '../../model/route-types.js';
import { compileGrpcMatch, GrpcMatchInput, type CompiledGrpcMatch } from './grpc-route-match.js';
import { compileHttpMatch, HttpMatchInput, type CompiledHttpMatch } from './http-route-match.js';
import type { RequestView } from './request-view.js';
import type { GrpcRouteHit, HttpRouteHit, NoRoute, RouteKind, RouteLookup } from './route-lookup.js';
import { byPrecedence, type RankedMatch } from './route-precedence.js';

export interface PortRoutes {
  /** Which kind is attached: the proxy answers "no route" with 404 (HTTPRoute) or UNIMPLEMENTED (GRPCRoute). */
  readonly kind: RouteKind;
  /** The winning rule for this request, or no-route. The hit is shared between requests: read it, do not change it. */
  match(request: RequestView): RouteLookup;
}

interface Entry<M, H> extends RankedMatch {
  compiled: M;
  hit: H;
}

const routeId = (kind: RouteKind, route: HttpRoute | GrpcRoute) => ({ kind, namespace: route.namespace, name: route.name });
const age = (route: HttpRoute | GrpcRoute) => ({ namespace: route.namespace, name: route.name, ...(route.creationTimestamp === undefined ? {} : { creationTimestamp: route.creationTimestamp }) });

/** Either kind's entries, sorted once by precedence; a request walks them until one holds. */
function sortedRoutes<I, H extends RouteLookup>(kind: RouteKind, entries: Entry<{ test(input: I): boolean }, H>[], inputOf: (request: RequestView) => I): PortRoutes {
  entries.sort(byPrecedence);
  const noRoute: NoRoute = Object.freeze({ outcome: 'no-route', kind });
  return {
    kind,
    match(request) {
      const input = inputOf(request);
      return entries.find((entry) => entry.compiled.test(input))?.hit ?? noRoute;
    },
  };
}

export function compileHttpPortRoutes(routes: readonly HttpRoute[]): PortRoutes {
  const entries: Entry<CompiledHttpMatch, HttpRouteHit>[] = routes.flatMap((route) =>
    route.rules.flatMap((rule, ruleIndex) =>
      rule.matches.map((match, matchIndex) => {
        const compiled = compileHttpMatch(match);
        const hit: HttpRouteHit = Object.freeze({
          outcome: 'matched',
          kind: 'HTTPRoute',
          route: routeId('HTTPRoute', route),
          ruleIndex,
          rule,
          ...(compiled.prefix === undefined ? {} : { matchedPrefix: compiled.prefix }),
        });
        return { key: compiled.key, route: age(route), ruleIndex, matchIndex, compiled, hit };
      }),
    ),
  );
  return sortedRoutes('HTTPRoute', entries, (request) => new HttpMatchInput(request));
}

export function compileGrpcPortRoutes(routes: readonly GrpcRoute[]): PortRoutes {
  const entries: Entry<CompiledGrpcMatch, GrpcRouteHit>[] = routes.flatMap((route) =>
    route.rules.flatMap((rule, ruleIndex) => {
      const hit: GrpcRouteHit = Object.freeze({ outcome: 'matched', kind: 'GRPCRoute', route: routeId('GRPCRoute', route), ruleIndex, rule });
      // A rule without matches matches every request: one match that tests nothing.
      const matches = rule.matches.length === 0 ? [undefined] : rule.matches;
      return matches.map((match, matchIndex) => {
        const compiled = compileGrpcMatch(match);
        return { key: compiled.key, route: age(route), ruleIndex, matchIndex, compiled, hit };
      });
    }),
  );
  return sortedRoutes('GRPCRoute', entries, (request) => new GrpcMatchInput(request));
}
