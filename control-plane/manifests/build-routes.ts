/**
 * Valid HTTPRoute and GRPCRoute manifests -> model routes, with the checks
 * that need the other documents: every Service a route attaches to, sends
 * to or mirrors to exists (among the Services accepted in this load) and
 * has the port named. A route with a dangling reference is rejected whole,
 * so that a half-applied route never splits traffic the author did not mean.
 */
import { backendRefPermitted, refNotPermittedReason } from '../../model/reference-grant.js';
import type { Static } from '@sinclair/typebox';
import { parseDuration } from '../../core/duration.js';
import type { FieldPath } from './field-path.js';
import type { ConfigIssue } from '../../model/issues.js';
import { issueAt, type ManifestObject } from './manifest-object.js';
import type {
  BackendRefFilter,
  GrpcRoute,
  GrpcRouteFilter,
  HeaderMatch,
  HeaderModifier,
  HttpPathModifier,
  HttpRoute,
  HttpRouteFilter,
  RouteBackendRef,
  RouteParentRef,
  RouteRetry,
  RouteTimeouts,
} from '../../model/route-types.js';
import { DEFAULT_NAMESPACE } from './schema/common.js';
import type { GrpcRouteFilterSchema } from './schema/grpc-route.js';
import type { HttpRouteFilterSchema, PathModifierSchema } from './schema/http-route.js';
import type { HeaderMatchSchema, HeaderModifierSchema, ParentRefSchema, RequestMirrorSchema, TimeoutsSchema } from './schema/route-common.js';
import type { Service } from '../../model/types.js';

type RouteObject = Extract<ManifestObject, { kind: 'HTTPRoute' | 'GRPCRoute' }>;
type HttpFilterManifest = Static<typeof HttpRouteFilterSchema>;
type GrpcFilterManifest = Static<typeof GrpcRouteFilterSchema>;

const namespaceOf = (object: RouteObject) => object.manifest.metadata.namespace ?? DEFAULT_NAMESPACE;

function toParentRef(ref: Static<typeof ParentRefSchema>, routeNamespace: string): RouteParentRef {
  return {
    name: ref.name,
    namespace: ref.namespace ?? routeNamespace,
    ...(ref.port === undefined ? {} : { port: ref.port }),
    ...(ref.sectionName === undefined ? {} : { sectionName: ref.sectionName }),
  };
}

type BackendFilterManifest = { type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' } & Partial<Record<'requestHeaderModifier' | 'responseHeaderModifier', Static<typeof HeaderModifierSchema>>>;

function toBackendFilter(filter: BackendFilterManifest): BackendRefFilter {
  return filter.type === 'RequestHeaderModifier'
    ? { type: filter.type, requestHeaderModifier: toHeaderModifier(filter.requestHeaderModifier) }
    : { type: filter.type, responseHeaderModifier: toHeaderModifier(filter.responseHeaderModifier) };
}

function toBackendRef(ref: { name: string; namespace?: string; port: number; weight?: number; filters?: BackendFilterManifest[] }, routeNamespace: string): RouteBackendRef {
  return {
    name: ref.name,
    namespace: ref.namespace ?? routeNamespace,
    port: ref.port,
    weight: ref.weight ?? 1,
    ...(ref.filters && ref.filters.length > 0 ? { filters: ref.filters.map(toBackendFilter) } : {}),
  };
}

function toHeaderMatches(matches: Array<Static<typeof HeaderMatchSchema>> | undefined): HeaderMatch[] {
  return (matches ?? []).map((match) => ({ type: match.type ?? 'Exact', name: match.name, value: match.value }));
}

function toHeaderModifier(modifier: Static<typeof HeaderModifierSchema> | undefined): HeaderModifier {
  return {
    set: (modifier?.set ?? []).map(({ name, value }) => ({ name, value })),
    add: (modifier?.add ?? []).map(({ name, value }) => ({ name, value })),
    remove: [...(modifier?.remove ?? [])],
  };
}

function toPathModifier(modifier: Static<typeof PathModifierSchema>): HttpPathModifier {
  // route-checks.ts has proven that the field the type names is set.
  const value = modifier.type === 'ReplaceFullPath' ? modifier.replaceFullPath : modifier.replacePrefixMatch;
  return { type: modifier.type, value: value ?? '' };
}

function toMirror(mirror: Static<typeof RequestMirrorSchema>, routeNamespace: string) {
  const { weight: _weight, filters: _filters, ...backendRef } = toBackendRef(mirror.backendRef, routeNamespace);
  return {
    backendRef,
    ...(mirror.percent === undefined ? {} : { percent: mirror.percent }),
    ...(mirror.fraction === undefined ? {} : { fraction: { numerator: mirror.fraction.numerator, denominator: mirror.fraction.denominator ?? 100 } }),
  };
}

function toCommonFilter(filter: HttpFilterManifest | GrpcFilterManifest, routeNamespace: string): GrpcRouteFilter | undefined {
  switch (filter.type) {
    case 'RequestHeaderModifier':
      return { type: filter.type, requestHeaderModifier: toHeaderModifier(filter.requestHeaderModifier) };
    case 'ResponseHeaderModifier':
      return { type: filter.type, responseHeaderModifier: toHeaderModifier(filter.responseHeaderModifier) };
    case 'RequestMirror':
      return filter.requestMirror ? { type: filter.type, requestMirror: toMirror(filter.requestMirror, routeNamespace) } : undefined;
    default:
      return undefined;
  }
}

function toHttpFilter(filter: HttpFilterManifest, routeNamespace: string): HttpRouteFilter {
  if (filter.type === 'RequestRedirect') {
    const redirect = filter.requestRedirect ?? {};
    return {
      type: filter.type,
      requestRedirect: {
        ...(redirect.scheme === undefined ? {} : { scheme: redirect.scheme }),
        ...(redirect.hostname === undefined ? {} : { hostname: redirect.hostname }),
        ...(redirect.path === undefined ? {} : { path: toPathModifier(redirect.path) }),
        ...(redirect.port === undefined ? {} : { port: redirect.port }),
        statusCode: redirect.statusCode ?? 302,
      },
    };
  }
  if (filter.type === 'URLRewrite') {
    const rewrite = filter.urlRewrite ?? {};
    return {
      type: filter.type,
      urlRewrite: {
        ...(rewrite.hostname === undefined ? {} : { hostname: rewrite.hostname }),
        ...(rewrite.path === undefined ? {} : { path: toPathModifier(rewrite.path) }),
      },
    };
  }
  const common = toCommonFilter(filter, routeNamespace);
  if (!common) throw new Error(`unreachable: filter ${filter.type} passed route-checks without its field`);
  return common;
}

function toTimeouts(timeouts: Static<typeof TimeoutsSchema> | undefined): RouteTimeouts | undefined {
  if (!timeouts) return undefined;
  const request = timeouts.request === undefined ? undefined : parseDuration(timeouts.request);
  const backendRequest = timeouts.backendRequest === undefined ? undefined : parseDuration(timeouts.backendRequest);
  return {
    ...(request === undefined ? {} : { requestMs: request }),
    ...(backendRequest === undefined ? {} : { backendRequestMs: backendRequest }),
  };
}

function toRetry(retry: { codes?: number[]; attempts?: number; backoff?: string } | undefined): RouteRetry | undefined {
  if (!retry) return undefined;
  const backoff = retry.backoff === undefined ? undefined : parseDuration(retry.backoff);
  return {
    ...(retry.attempts === undefined ? {} : { attempts: retry.attempts }),
    ...(backoff === undefined ? {} : { backoffMs: backoff }),
    codes: [...(retry.codes ?? [])],
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

export function toHttpRoute(object: Extract<ManifestObject, { kind: 'HTTPRoute' }>): HttpRoute {
  const { metadata, spec } = object.manifest;
  const namespace = namespaceOf(object);
  return {
    name: metadata.name,
    namespace,
    parentRefs: (spec.parentRefs ?? []).map((ref) => toParentRef(ref, namespace)),
    hostnames: [...(spec.hostnames ?? [])],
    rules: (spec.rules ?? [{}]).map((rule) => ({
      ...optional('name', rule.name),
      matches: (rule.matches ?? [{}]).map((match) => ({
        path: { type: match.path?.type ?? 'PathPrefix', value: match.path?.value ?? '/' },
        headers: toHeaderMatches(match.headers),
        queryParams: toHeaderMatches(match.queryParams),
        ...optional('method', match.method),
      })),
      filters: (rule.filters ?? []).map((filter) => toHttpFilter(filter, namespace)),
      backendRefs: (rule.backendRefs ?? []).map((ref) => toBackendRef(ref, namespace)),
      ...optional('timeouts', toTimeouts(rule.timeouts)),
      ...optional('retry', toRetry(rule.retry)),
    })),
    source: object.source,
  };
}

export function toGrpcRoute(object: Extract<ManifestObject, { kind: 'GRPCRoute' }>): GrpcRoute {
  const { metadata, spec } = object.manifest;
  const namespace = namespaceOf(object);
  return {
    name: metadata.name,
    namespace,
    parentRefs: (spec.parentRefs ?? []).map((ref) => toParentRef(ref, namespace)),
    hostnames: [...(spec.hostnames ?? [])],
    rules: (spec.rules ?? []).map((rule) => ({
      ...optional('name', rule.name),
      matches: (rule.matches ?? []).map((match) => ({
        ...optional(
          'method',
          match.method && {
            type: match.method.type ?? 'Exact',
            ...optional('service', match.method.service),
            ...optional('method', match.method.method),
          },
        ),
        headers: toHeaderMatches(match.headers),
      })),
      filters: (rule.filters ?? []).flatMap((filter) => toCommonFilter(filter, namespace) ?? []),
      backendRefs: (rule.backendRefs ?? []).map((ref) => toBackendRef(ref, namespace)),
      ...optional('timeouts', toTimeouts(rule.timeouts)),
      ...optional('retry', toRetry(rule.retry)),
    })),
    source: object.source,
  };
}

/** Issues for references to Services (or ports of them) that are not in `services` (keyed `namespace/name`): errors for parents, warnings for backends. */
export function checkRouteReferences(object: RouteObject, route: HttpRoute | GrpcRoute, services: ReadonlyMap<string, Service>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const lookup = (ref: { name: string; namespace: string }, path: FieldPath, what: string): Service | undefined => {
    const service = services.get(`${ref.namespace}/${ref.name}`);
    if (!service) issues.push(issueAt(object, 'error', [...path, 'name'], `${what} Service ${ref.namespace}/${ref.name} does not exist`));
    return service;
  };
  const ports = (service: Service) => service.ports.map((port) => port.port).join(', ');

  route.parentRefs.forEach((ref, index) => {
    const path = ['spec', 'parentRefs', index];
    const service = lookup(ref, path, 'parent');
    if (!service) return;
    if (ref.port !== undefined && !service.ports.some((port) => port.port === ref.port)) {
      issues.push(issueAt(object, 'error', [...path, 'port'], `Service ${ref.namespace}/${ref.name} has no port ${ref.port} (its ports: ${ports(service)})`));
    }
    if (ref.sectionName !== undefined && !service.ports.some((port) => port.name === ref.sectionName)) {
      const names = service.ports.flatMap((port) => port.name ?? []).join(', ') || 'none';
      issues.push(issueAt(object, 'error', [...path, 'sectionName'], `Service ${ref.namespace}/${ref.name} has no port named ${ref.sectionName} (its port names: ${names})`));
    }
  });

  // A backend that does not resolve is the Gateway API's ResolvedRefs=False, not a bad route: the route applies, and
  // the requests it sends there are answered 500 (a reference with weight 0 is never picked, so it is harmless).
  const checkBackend = (ref: { name: string; namespace: string; port: number; weight?: number }, path: FieldPath, what: string) => {
    if (!backendRefPermitted(route.namespace, route.parentRefs, ref)) {
      issues.push(issueAt(object, 'warning', [...path, 'namespace'], `${what} Service ${ref.namespace}/${ref.name} ${refNotPermittedReason}; requests sent to it are answered 500`));
      return;
    }
    const service = services.get(`${ref.namespace}/${ref.name}`);
    const consequence = ref.weight === 0 ? 'it has weight 0, so no request is sent to it' : `requests sent to it are answered 500`;
    if (!service) {
      issues.push(issueAt(object, 'warning', [...path, 'name'], `${what} Service ${ref.namespace}/${ref.name} does not exist: ${consequence}`));
    } else if (!service.ports.some((port) => port.port === ref.port)) {
      issues.push(issueAt(object, 'warning', [...path, 'port'], `Service ${ref.namespace}/${ref.name} has no port ${ref.port} (its ports: ${ports(service)}): ${consequence}`));
    }
  };
  route.rules.forEach((rule, ruleIndex) => {
    const rulePath = ['spec', 'rules', ruleIndex];
    rule.backendRefs.forEach((ref, index) => checkBackend(ref, [...rulePath, 'backendRefs', index], 'backend'));
    rule.filters.forEach((filter, index) => {
      if (filter.type === 'RequestMirror') checkBackend(filter.requestMirror.backendRef, [...rulePath, 'filters', index, 'requestMirror', 'backendRef'], 'mirror');
    });
  });
  return issues;
}
