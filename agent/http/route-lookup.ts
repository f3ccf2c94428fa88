/**
 * What the route table answers for one request on a Service port that has
 * routes attached (no routes at all is `undefined`: the proxy forwards to
 * the Service as it does without L7). Either the rule that won, with what
 * the proxy needs to act on it, or "no route": a route kind is attached but
 * none of its rules matches, which the proxy answers with 404 on HTTP and
 * UNIMPLEMENTED on gRPC, as the specs say.
 */
import type { GrpcRouteRule, HttpRouteRule } from '../../model/route-types.js';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

export interface RouteId {
  kind: RouteKind;
  namespace: string;
  name: string;
}

interface Matched<K extends RouteKind, R> {
  outcome: 'matched';
  kind: K;
  route: RouteId;
  /** The rule's place in its route (its name, when it has one, is the rule's). */
  ruleIndex: number;
  /** Its filters, weighted backendRefs, timeouts and retry. */
  rule: R;
}

export interface HttpRouteHit extends Matched<'HTTPRoute', HttpRouteRule> {
  /** Set when the winning match was a PathPrefix: the prefix a ReplacePrefixMatch replaces. */
  matchedPrefix?: string;
}

export type GrpcRouteHit = Matched<'GRPCRoute', GrpcRouteRule>;

export interface NoRoute {
  outcome: 'no-route';
  kind: RouteKind;
}

export type RouteLookup = HttpRouteHit | GrpcRouteHit | NoRoute;
