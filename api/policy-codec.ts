/**
 * HttpRoute, GrpcRoute, AuthorizationPolicy and PeerAuthentication on the
 * wire (proto/weft/v1/mesh-policy.proto). toProto is deterministic (maps
 * sorted, lists in model order): a resource's version is a hash of it.
 * fromProto re-checks what the agent would act on (enums, ports, regexes
 * it compiles, principals and CIDRs it matches) with the model's own rules,
 * and throws naming the field: the message becomes the NACK. As in
 * core-codec.ts, the model's `source` stays behind.
 */
import type {
  AuthorizationPolicy as AuthorizationPolicyProto,
  AuthorizationPolicy__Output,
} from '../proto/generated/weft/v1/AuthorizationPolicy.js';
import type { GrpcRoute as GrpcRouteProto, GrpcRoute__Output } from '../proto/generated/weft/v1/GrpcRoute.js';
import type {
  _weft_v1_HttpRoute_Filter as HttpFilterProto,
  _weft_v1_HttpRoute_Filter__Output as HttpFilterOutput,
  HttpRoute as HttpRouteProto,
  HttpRoute__Output,
} from '../proto/generated/weft/v1/HttpRoute.js';
import type {
  PeerAuthentication as PeerAuthenticationProto,
  PeerAuthentication__Output,
} from '../proto/generated/weft/v1/PeerAuthentication.js';
import type { RouteBackendRef__Output } from '../proto/generated/weft/v1/RouteBackendRef.js';
import type { RouteHeaderMatch, RouteHeaderMatch__Output } from '../proto/generated/weft/v1/RouteHeaderMatch.js';
import type { RouteHeaderModifier, RouteHeaderModifier__Output } from '../proto/generated/weft/v1/RouteHeaderModifier.js';
import type { RouteParentRef, RouteParentRef__Output } from '../proto/generated/weft/v1/RouteParentRef.js';
import type { RouteRequestMirror, RouteRequestMirror__Output } from '../proto/generated/weft/v1/RouteRequestMirror.js';
import type { RouteRetry, RouteRetry__Output } from '../proto/generated/weft/v1/RouteRetry.js';
import type { RouteTimeouts, RouteTimeouts__Output } from '../proto/generated/weft/v1/RouteTimeouts.js';
import { conditionValueKind } from '../model/authorization-keys.js';
import { checkCidr } from '../model/cidr.js';
import { principalProblem } from '../model/principal.js';
import { regexProblem } from '../model/route-regex.js';
import type {
  AuthorizationPolicy,
  GrpcRoute,
  GrpcRouteFilter,
  HeaderMatch,
  HeaderModifier,
  HttpMethod,
  HttpPathModifier,
  HttpRoute,
  HttpRouteFilter,
  MtlsMode,
  PeerAuthentication,
  RequestMirror,
  RouteBackendRef,
  RouteParentRef as ParentRef,
  RouteRetry as Retry,
  RouteTimeouts as Timeouts,
  SourceRef,
} from '../model/types.js';
import * as check from './field-checks.js';
import { type ResourceKind, resourceSource } from './resource-kind.js';
import { everyNode } from './scope-rules.js';

/** Where a decoded object came from when the caller does not say (resource-kind.ts's resourceSource does). */
export const WIRE_SOURCE: SourceRef = { file: 'xds', document: 0 };

function fail(field: string, problem: string): never {
  throw new Error(`${field}: ${problem}`);
}

/** Model enum strings <-> proto enum names, both ways checked. */
function enumCodec<const M extends string, const P extends string>(table: Record<M, P>) {
  const reverse = new Map<string, M>(Object.entries(table).map(([model, proto]) => [proto as string, model as M]));
  return {
    toProto: (value: M): P => table[value],
    fromProto: (value: string, field: string): M => reverse.get(value) ?? fail(field, `${JSON.stringify(value)} is not one of ${[...reverse.keys()].join(', ')}`),
  };
}

const headerMatchType = enumCodec({ Exact: 'EXACT', RegularExpression: 'REGULAR_EXPRESSION' });
const pathMatchType = enumCodec({ Exact: 'EXACT', PathPrefix: 'PATH_PREFIX', RegularExpression: 'REGULAR_EXPRESSION' });
const pathModifierType = enumCodec({ ReplaceFullPath: 'REPLACE_FULL_PATH', ReplacePrefixMatch: 'REPLACE_PREFIX_MATCH' });
const grpcMethodType = enumCodec({ Exact: 'EXACT', RegularExpression: 'REGULAR_EXPRESSION' });
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const satisfies readonly HttpMethod[];
const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const satisfies readonly MtlsMode[];
const ACTIONS = ['ALLOW', 'DENY', 'AUDIT'] as const;
const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

// ---- small decoders ----

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const optional = <K extends string, V>(key: K, value: V | undefined | null) =>
  value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });

function integer(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `${value} is not in ${min}-${max}`);
  return value;
}

/** uint64 milliseconds arrive as strings (longs: String). */
function milliseconds(value: string | number, field: string): number {
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0) fail(field, `${JSON.stringify(value)} is not a number of milliseconds`);
  return ms;
}

function regex(value: string, field: string): string {
  const problem = regexProblem(value);
  if (problem) fail(field, problem);
  return value;
}

function selectorFromProto(map: Record<string, string>, field: string): { selector?: Record<string, string> } {
  return Object.keys(map).length === 0 ? {} : { selector: check.labels(map, field) };
}

// ---- shared route parts ----

function parentRefToProto(ref: ParentRef): RouteParentRef {
  return { name: ref.name, namespace: ref.namespace, ...optional('port', ref.port), ...optional('sectionName', ref.sectionName) };
}

function parentRefFromProto(ref: RouteParentRef__Output, field: string): ParentRef {
  return {
    name: check.nonEmpty(ref.name, `${field}.name`),
    namespace: check.dnsLabel(ref.namespace, `${field}.namespace`),
    ...optional('port', ref.port === undefined ? undefined : check.port(ref.port, `${field}.port`)),
    ...optional('sectionName', ref.sectionName === undefined ? undefined : check.dnsLabel(ref.sectionName, `${field}.sectionName`)),
  };
}

function backendRefFromProto(ref: RouteBackendRef__Output, field: string): RouteBackendRef {
  return {
    name: check.nonEmpty(ref.name, `${field}.name`),
    namespace: check.dnsLabel(ref.namespace, `${field}.namespace`),
    port: check.port(ref.port, `${field}.port`),
    weight: integer(ref.weight, `${field}.weight`, 0, 1_000_000),
  };
}

function headerMatchToProto(match: HeaderMatch): RouteHeaderMatch {
  return { type: headerMatchType.toProto(match.type), name: match.name, value: match.value };
}

function headerMatchFromProto(match: RouteHeaderMatch__Output, field: string): HeaderMatch {
  const type = headerMatchType.fromProto(match.type, `${field}.type`);
  return {
    type,
    name: check.nonEmpty(match.name, `${field}.name`),
    value: type === 'RegularExpression' ? regex(match.value, `${field}.value`) : match.value,
  };
}

function headerModifierToProto(modifier: HeaderModifier): RouteHeaderModifier {
  return { set: modifier.set.map((h) => ({ ...h })), add: modifier.add.map((h) => ({ ...h })), remove: [...modifier.remove] };
}

function headerModifierFromProto(modifier: RouteHeaderModifier__Output, field: string): HeaderModifier {
  const headers = (list: RouteHeaderModifier__Output['set'], name: string) =>
    list.map((header, index) => ({ name: check.nonEmpty(header.name, `${field}.${name}[${index}].name`), value: header.value }));
  return {
    set: headers(modifier.set, 'set'),
    add: headers(modifier.add, 'add'),
    remove: modifier.remove.map((name, index) => check.nonEmpty(name, `${field}.remove[${index}]`)),
  };
}

function mirrorToProto(mirror: RequestMirror): RouteRequestMirror {
  return {
    backendRef: { ...mirror.backendRef },
    ...optional('percent', mirror.percent),
    ...optional('fraction', mirror.fraction && { ...mirror.fraction }),
  };
}

function mirrorFromProto(mirror: RouteRequestMirror__Output, field: string): RequestMirror {
  const ref = check.present(mirror.backendRef, `${field}.backendRef`);
  const fraction = mirror.fraction;
  return {
    backendRef: {
      name: check.nonEmpty(ref.name, `${field}.backendRef.name`),
      namespace: check.dnsLabel(ref.namespace, `${field}.backendRef.namespace`),
      port: check.port(ref.port, `${field}.backendRef.port`),
    },
    ...optional('percent', mirror.percent === undefined ? undefined : integer(mirror.percent, `${field}.percent`, 0, 100)),
    ...optional(
      'fraction',
      fraction && {
        numerator: integer(fraction.numerator, `${field}.fraction.numerator`, 0, fraction.denominator),
        denominator: integer(fraction.denominator, `${field}.fraction.denominator`, 1, 2 ** 32 - 1),
      },
    ),
  };
}

function timeoutsToProto(timeouts: Timeouts | undefined): RouteTimeouts | undefined {
  return timeouts && { ...optional('requestMs', timeouts.requestMs), ...optional('backendRequestMs', timeouts.backendRequestMs) };
}

function timeoutsFromProto(timeouts: RouteTimeouts__Output | null, field: string): { timeouts?: Timeouts } {
  if (!timeouts) return {};
  return {
    timeouts: {
      ...optional('requestMs', timeouts.requestMs === undefined ? undefined : milliseconds(timeouts.requestMs, `${field}.requestMs`)),
      ...optional('backendRequestMs', timeouts.backendRequestMs === undefined ? undefined : milliseconds(timeouts.backendRequestMs, `${field}.backendRequestMs`)),
    },
  };
}

function retryToProto(retry: Retry | undefined): RouteRetry | undefined {
  return retry && { ...optional('attempts', retry.attempts), ...optional('backoffMs', retry.backoffMs), codes: [...retry.codes] };
}

function retryFromProto(retry: RouteRetry__Output | null, field: string, codes: [number, number]): { retry?: Retry } {
  if (!retry) return {};
  return {
    retry: {
      ...optional('attempts', retry.attempts === undefined ? undefined : integer(retry.attempts, `${field}.attempts`, 0, 100)),
      ...optional('backoffMs', retry.backoffMs === undefined ? undefined : milliseconds(retry.backoffMs, `${field}.backoffMs`)),
      codes: retry.codes.map((code, index) => integer(code, `${field}.codes[${index}]`, ...codes)),
    },
  };
}

/** The filters both route kinds have, in proto form; undefined for the HTTP-only ones. */
function commonFilterToProto(filter: HttpRouteFilter) {
  switch (filter.type) {
    case 'RequestHeaderModifier':
      return { requestHeaderModifier: headerModifierToProto(filter.requestHeaderModifier) };
    case 'ResponseHeaderModifier':
      return { responseHeaderModifier: headerModifierToProto(filter.responseHeaderModifier) };
    case 'RequestMirror':
      return { requestMirror: mirrorToProto(filter.requestMirror) };
    default:
      return undefined;
  }
}

type CommonFilterOutput = {
  filter?: string;
  requestHeaderModifier?: RouteHeaderModifier__Output | null;
  responseHeaderModifier?: RouteHeaderModifier__Output | null;
  requestMirror?: RouteRequestMirror__Output | null;
};

function commonFilterFromProto(filter: CommonFilterOutput, field: string): GrpcRouteFilter | undefined {
  switch (filter.filter) {
    case 'requestHeaderModifier':
      return { type: 'RequestHeaderModifier', requestHeaderModifier: headerModifierFromProto(check.present(filter.requestHeaderModifier, `${field}.requestHeaderModifier`), `${field}.requestHeaderModifier`) };
    case 'responseHeaderModifier':
      return { type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifierFromProto(check.present(filter.responseHeaderModifier, `${field}.responseHeaderModifier`), `${field}.responseHeaderModifier`) };
    case 'requestMirror':
      return { type: 'RequestMirror', requestMirror: mirrorFromProto(check.present(filter.requestMirror, `${field}.requestMirror`), `${field}.requestMirror`) };
    default:
      return undefined;
  }
}

function routeHead(route: { name: string; namespace: string; parentRefs: RouteParentRef__Output[]; hostnames: string[] }) {
  return {
    name: check.dnsSubdomain(route.name, 'name'),
    namespace: check.dnsLabel(route.namespace, 'namespace'),
    parentRefs: route.parentRefs.map((ref, index) => parentRefFromProto(ref, `parentRefs[${index}]`)),
    hostnames: route.hostnames.map((hostname, index) => check.nonEmpty(hostname, `hostnames[${index}]`)),
  };
}

// ---- HttpRoute ----

function pathModifierToProto(modifier: HttpPathModifier | undefined) {
  return modifier && { type: pathModifierType.toProto(modifier.type), value: modifier.value };
}

function pathModifierFromProto(modifier: { type: string; value: string } | null, field: string): { path?: HttpPathModifier } {
  return modifier ? { path: { type: pathModifierType.fromProto(modifier.type, `${field}.type`), value: modifier.value } } : {};
}

function httpFilterToProto(filter: HttpRouteFilter): HttpFilterProto {
  if (filter.type === 'RequestRedirect') {
    const redirect = filter.requestRedirect;
    return {
      requestRedirect: {
        ...optional('scheme', redirect.scheme),
        ...optional('hostname', redirect.hostname),
        ...optional('path', pathModifierToProto(redirect.path)),
        ...optional('port', redirect.port),
        statusCode: redirect.statusCode,
      },
    };
  }
  if (filter.type === 'URLRewrite') {
    return { urlRewrite: { ...optional('hostname', filter.urlRewrite.hostname), ...optional('path', pathModifierToProto(filter.urlRewrite.path)) } };
  }
  return commonFilterToProto(filter) ?? {};
}

function httpFilterFromProto(filter: HttpFilterOutput, field: string): HttpRouteFilter {
  if (filter.filter === 'requestRedirect') {
    const redirect = check.present(filter.requestRedirect, `${field}.requestRedirect`);
    const at = `${field}.requestRedirect`;
    const statusCode = REDIRECT_CODES.find((code) => code === redirect.statusCode) ?? fail(`${at}.statusCode`, `${redirect.statusCode} is not one of ${REDIRECT_CODES.join(', ')}`);
    return {
      type: 'RequestRedirect',
      requestRedirect: {
        ...optional('scheme', redirect.scheme === undefined ? undefined : check.oneOf(['http', 'https'], redirect.scheme, `${at}.scheme`)),
        ...optional('hostname', redirect.hostname === undefined ? undefined : check.dnsSubdomain(redirect.hostname, `${at}.hostname`)),
        ...pathModifierFromProto(redirect.path, `${at}.path`),
        ...optional('port', redirect.port === undefined ? undefined : check.port(redirect.port, `${at}.port`)),
        statusCode,
      },
    };
  }
  if (filter.filter === 'urlRewrite') {
    const rewrite = check.present(filter.urlRewrite, `${field}.urlRewrite`);
    const at = `${field}.urlRewrite`;
    return {
      type: 'URLRewrite',
      urlRewrite: {
        ...optional('hostname', rewrite.hostname === undefined ? undefined : check.dnsSubdomain(rewrite.hostname, `${at}.hostname`)),
        ...pathModifierFromProto(rewrite.path, `${at}.path`),
      },
    };
  }
  return commonFilterFromProto(filter, field) ?? fail(field, 'sets no filter');
}

export function httpRouteToProto(route: HttpRoute): HttpRouteProto {
  return {
    name: route.name,
    namespace: route.namespace,
    parentRefs: route.parentRefs.map(parentRefToProto),
    hostnames: [...route.hostnames],
    rules: route.rules.map((rule) => ({
      matches: rule.matches.map((match) => ({
        path: { type: pathMatchType.toProto(match.path.type), value: match.path.value },
        headers: match.headers.map(headerMatchToProto),
        queryParams: match.queryParams.map(headerMatchToProto),
        method: match.method ?? 'METHOD_UNSPECIFIED',
      })),
      filters: rule.filters.map(httpFilterToProto),
      backendRefs: rule.backendRefs.map((ref) => ({ ...ref })),
      ...optional('timeouts', timeoutsToProto(rule.timeouts)),
      ...optional('retry', retryToProto(rule.retry)),
    })),
  };
}

export function httpRouteFromProto(body: HttpRoute__Output, source: SourceRef = WIRE_SOURCE): HttpRoute {
  return {
    ...routeHead(body),
    rules: body.rules.map((rule, ruleIndex) => {
      const at = `rules[${ruleIndex}]`;
      if (rule.matches.length === 0) fail(`${at}.matches`, 'must not be empty (a rule without matches is sent as PathPrefix "/")');
      return {
        matches: rule.matches.map((match, index) => {
          const field = `${at}.matches[${index}]`;
          const path = check.present(match.path, `${field}.path`);
          const type = pathMatchType.fromProto(path.type, `${field}.path.type`);
          return {
            path: { type, value: type === 'RegularExpression' ? regex(path.value, `${field}.path.value`) : path.value },
            headers: match.headers.map((header, i) => headerMatchFromProto(header, `${field}.headers[${i}]`)),
            queryParams: match.queryParams.map((param, i) => headerMatchFromProto(param, `${field}.queryParams[${i}]`)),
            ...optional('method', match.method === 'METHOD_UNSPECIFIED' ? undefined : check.oneOf(HTTP_METHODS, match.method, `${field}.method`)),
          };
        }),
        filters: rule.filters.map((filter, index) => httpFilterFromProto(filter, `${at}.filters[${index}]`)),
        backendRefs: rule.backendRefs.map((ref, index) => backendRefFromProto(ref, `${at}.backendRefs[${index}]`)),
        ...timeoutsFromProto(rule.timeouts, `${at}.timeouts`),
        ...retryFromProto(rule.retry, `${at}.retry`, [400, 599]),
      };
    }),
    source,
  };
}

// ---- GrpcRoute ----

export function grpcRouteToProto(route: GrpcRoute): GrpcRouteProto {
  return {
    name: route.name,
    namespace: route.namespace,
    parentRefs: route.parentRefs.map(parentRefToProto),
    hostnames: [...route.hostnames],
    rules: route.rules.map((rule) => ({
      matches: rule.matches.map((match) => ({
        ...optional(
          'method',
          match.method && {
            type: grpcMethodType.toProto(match.method.type),
            ...optional('service', match.method.service),
            ...optional('method', match.method.method),
          },
        ),
        headers: match.headers.map(headerMatchToProto),
      })),
      filters: rule.filters.map((filter) => commonFilterToProto(filter) ?? {}),
      backendRefs: rule.backendRefs.map((ref) => ({ ...ref })),
      ...optional('timeouts', timeoutsToProto(rule.timeouts)),
      ...optional('retry', retryToProto(rule.retry)),
    })),
  };
}

export function grpcRouteFromProto(body: GrpcRoute__Output, source: SourceRef = WIRE_SOURCE): GrpcRoute {
  return {
    ...routeHead(body),
    rules: body.rules.map((rule, ruleIndex) => {
      const at = `rules[${ruleIndex}]`;
      return {
        matches: rule.matches.map((match, index) => {
          const field = `${at}.matches[${index}]`;
          const method = match.method;
          if (method && method.service === undefined && method.method === undefined) fail(`${field}.method`, 'sets neither service nor method');
          const type = method ? grpcMethodType.fromProto(method.type, `${field}.method.type`) : undefined;
          const value = (text: string | undefined, name: string) =>
            text === undefined ? undefined : type === 'RegularExpression' ? regex(text, `${field}.method.${name}`) : check.nonEmpty(text, `${field}.method.${name}`);
          return {
            ...optional('method', method && type && { type, ...optional('service', value(method.service, 'service')), ...optional('method', value(method.method, 'method')) }),
            headers: match.headers.map((header, i) => headerMatchFromProto(header, `${field}.headers[${i}]`)),
          };
        }),
        filters: rule.filters.map((filter, index) => commonFilterFromProto(filter, `${at}.filters[${index}]`) ?? fail(`${at}.filters[${index}]`, 'sets no filter')),
        backendRefs: rule.backendRefs.map((ref, index) => backendRefFromProto(ref, `${at}.backendRefs[${index}]`)),
        ...timeoutsFromProto(rule.timeouts, `${at}.timeouts`),
        ...retryFromProto(rule.retry, `${at}.retry`, [0, 16]),
      };
    }),
    source,
  };
}

// ---- AuthorizationPolicy ----

export function authorizationPolicyToProto(policy: AuthorizationPolicy): AuthorizationPolicyProto {
  return {
    name: policy.name,
    namespace: policy.namespace,
    selector: sorted(policy.selector ?? {}),
    action: policy.action,
    rules: policy.rules.map((rule) => ({
      from: rule.from.map((peer) => ({ ...peer })),
      to: rule.to.map((operation) => ({ ...operation })),
      when: rule.when.map((condition) => ({ ...condition })),
    })),
  };
}

function each(values: string[], field: string, problemOf: (value: string) => string | undefined): string[] {
  values.forEach((value, index) => {
    const problem = problemOf(value);
    if (problem) fail(`${field}[${index}]`, problem);
  });
  return [...values];
}

const cidrProblem = (value: string) => checkCidr(value).error;

export function authorizationPolicyFromProto(body: AuthorizationPolicy__Output, source: SourceRef = WIRE_SOURCE): AuthorizationPolicy {
  return {
    name: check.dnsSubdomain(body.name, 'name'),
    namespace: check.dnsLabel(body.namespace, 'namespace'),
    ...selectorFromProto(body.selector, 'selector'),
    action: check.oneOf(ACTIONS, body.action, 'action'),
    rules: body.rules.map((rule, ruleIndex) => {
      const at = `rules[${ruleIndex}]`;
      return {
        from: rule.from.map((peer, index) => {
          const field = `${at}.from[${index}]`;
          return {
            principals: each(peer.principals, `${field}.principals`, principalProblem),
            notPrincipals: each(peer.notPrincipals, `${field}.notPrincipals`, principalProblem),
            namespaces: [...peer.namespaces],
            notNamespaces: [...peer.notNamespaces],
            ipBlocks: each(peer.ipBlocks, `${field}.ipBlocks`, cidrProblem),
            notIpBlocks: each(peer.notIpBlocks, `${field}.notIpBlocks`, cidrProblem),
          };
        }),
        to: rule.to.map((operation, index) => {
          const field = `${at}.to[${index}]`;
          return {
            ports: operation.ports.map((port, i) => check.port(port, `${field}.ports[${i}]`)),
            notPorts: operation.notPorts.map((port, i) => check.port(port, `${field}.notPorts[${i}]`)),
            methods: [...operation.methods],
            notMethods: [...operation.notMethods],
            paths: [...operation.paths],
            notPaths: [...operation.notPaths],
            hosts: [...operation.hosts],
            notHosts: [...operation.notHosts],
          };
        }),
        when: rule.when.map((condition, index) => {
          const field = `${at}.when[${index}]`;
          if (conditionValueKind(condition.key) === undefined) fail(`${field}.key`, `unknown key ${JSON.stringify(condition.key)}`);
          return { key: condition.key, values: [...condition.values], notValues: [...condition.notValues] };
        }),
      };
    }),
    source,
  };
}

// ---- PeerAuthentication ----

export function peerAuthenticationToProto(policy: PeerAuthentication): PeerAuthenticationProto {
  return {
    name: policy.name,
    namespace: policy.namespace,
    selector: sorted(policy.selector ?? {}),
    mode: policy.mode,
    portLevelMtls: policy.portLevelMtls.map(({ port, mode }) => ({ port, mode })),
  };
}

export function peerAuthenticationFromProto(body: PeerAuthentication__Output, source: SourceRef = WIRE_SOURCE): PeerAuthentication {
  return {
    name: check.dnsSubdomain(body.name, 'name'),
    namespace: check.dnsLabel(body.namespace, 'namespace'),
    ...selectorFromProto(body.selector, 'selector'),
    mode: check.oneOf(MTLS_MODES, body.mode, 'mode'),
    portLevelMtls: body.portLevelMtls.map((entry, index) => ({
      port: check.port(entry.port, `portLevelMtls[${index}].port`),
      mode: check.oneOf(MTLS_MODES, entry.mode, `portLevelMtls[${index}].mode`),
    })),
    source,
  };
}

// ---- the kinds on the discovery stream (resource-registry.ts) ----

const namespaced = (object: { namespace: string; name: string }) => `${object.namespace}/${object.name}`;

export const httpRouteKind: ResourceKind<'httpRoutes', HttpRouteProto, HttpRoute__Output> = {
  kind: 'HTTPRoute',
  field: 'httpRoute',
  configKey: 'httpRoutes',
  key: namespaced,
  toProto: httpRouteToProto,
  fromProto: (body, name) => httpRouteFromProto(body, resourceSource(name)),
  scope: everyNode,
};

export const grpcRouteKind: ResourceKind<'grpcRoutes', GrpcRouteProto, GrpcRoute__Output> = {
  kind: 'GRPCRoute',
  field: 'grpcRoute',
  configKey: 'grpcRoutes',
  key: namespaced,
  toProto: grpcRouteToProto,
  fromProto: (body, name) => grpcRouteFromProto(body, resourceSource(name)),
  scope: everyNode,
};

export const authorizationPolicyKind: ResourceKind<'authorizationPolicies', AuthorizationPolicyProto, AuthorizationPolicy__Output> = {
  kind: 'AuthorizationPolicy',
  field: 'authorizationPolicy',
  configKey: 'authorizationPolicies',
  key: namespaced,
  toProto: authorizationPolicyToProto,
  fromProto: (body, name) => authorizationPolicyFromProto(body, resourceSource(name)),
  scope: everyNode,
};

export const peerAuthenticationKind: ResourceKind<'peerAuthentications', PeerAuthenticationProto, PeerAuthentication__Output> = {
  kind: 'PeerAuthentication',
  field: 'peerAuthentication',
  configKey: 'peerAuthentications',
  key: namespaced,
  toProto: peerAuthenticationToProto,
  fromProto: (body, name) => peerAuthenticationFromProto(body, resourceSource(name)),
  scope: everyNode,
};

/** Resource.body fields 12-15 of discovery.proto. */
export const policyKinds = [httpRouteKind, grpcRouteKind, authorizationPolicyKind, peerAuthenticationKind] as const;
