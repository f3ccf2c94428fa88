/**
 * What a request's route says to do, from the route table's hit: answer it
 * here (a redirect; no route: 404 / UNIMPLEMENTED; a backendRef that does
 * not resolve: 500), or send it to one backend, picked by weight, with the
 * request filters already applied to the view (header modifiers, URL
 * rewrite) and the response filters, mirrors, timeouts and retry policy
 * kept for the way back. Filters apply in the order written; the picked
 * backendRef's own filters (header modifiers) come after the rule's, and
 * its request headers are changed only past the mirrors (a mirror is a copy
 * of the request the rule made, not of the one this backend gets).
 */
import type { HeaderModifier, RequestMirror, RouteRetry, RouteTimeouts } from '../../model/route-types.js';
import type { ProxyState } from '../state/proxy-state.js';
import { backendRefPermitted, refNotPermittedReason } from '../../model/reference-grant.js';
import { pickBackend } from './backend-pick.js';
import type { Backend, RouteUse } from './exchange.js';
import { modifyRequestHeaders } from './header-modifier.js';
import type { LocalReply } from './local-reply.js';
import { rewriteRequestTarget } from './path-rewrite.js';
import { redirectLocation } from './redirect-location.js';
import { authorityOf, type RequestView } from './request-view.js';
import type { RouteLookup } from './route-lookup.js';

export interface Forward {
  kind: 'forward';
  backend: Backend;
  route?: RouteUse;
  /** the picked backendRef's RequestHeaderModifiers, for the request sent to it */
  backendRequestHeaders: HeaderModifier[];
  responseHeaders: HeaderModifier[];
  mirrors: RequestMirror[];
  timeouts?: RouteTimeouts;
  retry?: RouteRetry;
}

export type RouteDecision = Forward | { kind: 'reply'; route?: RouteUse; reply: LocalReply };

/** `view` is the request's normalised view; the request filters change it in place. */
export function decideRoute(view: RequestView, lookup: RouteLookup | undefined, dialled: Backend, state: ProxyState): RouteDecision {
  if (lookup === undefined) return { kind: 'forward', backend: dialled, backendRequestHeaders: [], responseHeaders: [], mirrors: [] };
  if (lookup.outcome === 'no-route') {
    return { kind: 'reply', reply: { status: 404, flags: 'NR', message: `no ${lookup.kind} rule of ${dialled.service.namespace}/${dialled.service.name}:${dialled.port.port} matches this request` } };
  }
  const route: RouteUse = {
    kind: lookup.kind,
    namespace: lookup.route.namespace,
    name: lookup.route.name,
    rule: lookup.ruleIndex,
    ...(lookup.rule.name !== undefined ? { ruleName: lookup.rule.name } : {}),
  };
  const matchedPrefix = lookup.kind === 'HTTPRoute' ? lookup.matchedPrefix : undefined;
  const responseHeaders: HeaderModifier[] = [];
  const mirrors: RequestMirror[] = [];
  const headers = view.headers as Record<string, readonly string[] | undefined>;
  for (const filter of lookup.rule.filters) {
    switch (filter.type) {
      case 'RequestHeaderModifier':
        modifyRequestHeaders(headers, filter.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        responseHeaders.push(filter.responseHeaderModifier);
        break;
      case 'RequestMirror':
        if (backendRefPermitted(lookup.route.namespace, [dialled.service], filter.requestMirror.backendRef)) mirrors.push(filter.requestMirror);
        break;
      case 'RequestRedirect': {
        const { statusCode, location } = redirectLocation(
          { scheme: 'http', host: authorityOf(view), port: dialled.port.port, path: view.path, query: view.query },
          filter.requestRedirect,
          matchedPrefix,
        );
        return { kind: 'reply', route, reply: { status: statusCode, flags: '-', message: `redirected to ${location}`, headers: { location } } };
      }
      case 'URLRewrite': {
        const { hostname, path } = filter.urlRewrite;
        if (hostname !== undefined) headers['host'] = [hostname];
        if (path) {
          const target = rewriteRequestTarget(view, path, matchedPrefix);
          const question = target.indexOf('?');
          view.path = question >= 0 ? target.slice(0, question) : target;
        }
        break;
      }
    }
  }
  const ref = pickBackend(lookup.rule.backendRefs);
  if (!ref) return { kind: 'reply', route, reply: { status: 500, flags: 'UH', message: `${route.kind} ${route.namespace}/${route.name} rule ${route.rule} has no backend to send to` } };
  // The route is attached to the dialled Service: that is the one cross-namespace backend it may name without a grant.
  if (!backendRefPermitted(route.namespace, [dialled.service], ref)) {
    return { kind: 'reply', route, reply: { status: 500, flags: 'UH', message: `backendRef ${ref.namespace}/${ref.name}:${ref.port} of ${route.kind} ${route.namespace}/${route.name} ${refNotPermittedReason}` } };
  }
  const backend = state.servicePort(ref.namespace, ref.name, ref.port);
  if (!backend) {
    return { kind: 'reply', route, reply: { status: 500, flags: 'UH', message: `backendRef ${ref.namespace}/${ref.name}:${ref.port} of ${route.kind} ${route.namespace}/${route.name} does not resolve to a Service port` } };
  }
  const backendRequestHeaders: HeaderModifier[] = [];
  for (const filter of ref.filters ?? []) {
    if (filter.type === 'RequestHeaderModifier') backendRequestHeaders.push(filter.requestHeaderModifier);
    else responseHeaders.push(filter.responseHeaderModifier);
  }
  const { timeouts, retry } = lookup.rule;
  return { kind: 'forward', backend, route, backendRequestHeaders, responseHeaders, mirrors, ...(timeouts ? { timeouts } : {}), ...(retry ? { retry } : {}) };
}
