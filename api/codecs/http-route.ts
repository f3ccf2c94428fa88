/**
 * HttpRoute on the wire (proto/weft/v1/mesh-policy.proto). toProto is
 * deterministic (lists in model order): a resource's version is a hash of
 * it. fromProto re-checks what the agent would act on (enums, ports, the
 * regexes it compiles) and throws naming the field: the message becomes the
 * NACK. The model's `source` stays behind.
 */
import type {
  _weft_v1_HttpRoute_Filter as HttpFilterProto,
  _weft_v1_HttpRoute_Filter__Output as HttpFilterOutput,
  HttpRoute as HttpRouteProto,
  HttpRoute__Output,
} from '../../proto/generated/weft/v1/HttpRoute.js';
import type { HttpMethod, HttpPathModifier, HttpRoute, HttpRouteFilter, SourceRef } from '../../model/types.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import {
  backendRefFromProto,
  backendRefToProto,
  commonFilterFromProto,
  commonFilterToProto,
  headerMatchFromProto,
  headerMatchToProto,
  parentRefToProto,
  retryFromProto,
  retryToProto,
  routeHead,
  timeoutsFromProto,
  timeoutsToProto,
} from './route-parts.js';
import { enumCodec, fail, namespaced, optional, regex, WIRE_SOURCE } from './wire-values.js';

const pathMatchType = enumCodec({ Exact: 'EXACT', PathPrefix: 'PATH_PREFIX', RegularExpression: 'REGULAR_EXPRESSION' });
const pathModifierType = enumCodec({ ReplaceFullPath: 'REPLACE_FULL_PATH', ReplacePrefixMatch: 'REPLACE_PREFIX_MATCH' });
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const satisfies readonly HttpMethod[];
const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

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
    ...optional('creationTimestamp', route.creationTimestamp),
    parentRefs: route.parentRefs.map(parentRefToProto),
    hostnames: [...route.hostnames],
    rules: route.rules.map((rule) => ({
      ...optional('name', rule.name),
      matches: rule.matches.map((match) => ({
        path: { type: pathMatchType.toProto(match.path.type), value: match.path.value },
        headers: match.headers.map(headerMatchToProto),
        queryParams: match.queryParams.map(headerMatchToProto),
        method: match.method ?? 'METHOD_UNSPECIFIED',
      })),
      filters: rule.filters.map(httpFilterToProto),
      backendRefs: rule.backendRefs.map(backendRefToProto),
      ...optional('timeouts', timeoutsToProto(rule.timeouts)),
      ...optional('retry', retryToProto(rule.retry)),
    })),
  };
}

/** The proxy replaces the prefix a PathPrefix match matched: with no such match there is nothing to replace. */
function checkPrefixReplacement(rule: HttpRoute['rules'][number], at: string): void {
  const replaces = rule.filters.some((filter) => {
    const modifier = filter.type === 'URLRewrite' ? filter.urlRewrite.path : filter.type === 'RequestRedirect' ? filter.requestRedirect.path : undefined;
    return modifier?.type === 'ReplacePrefixMatch';
  });
  if (replaces && (rule.matches.length !== 1 || rule.matches[0]?.path.type !== 'PathPrefix')) {
    fail(`${at}.matches`, 'a ReplacePrefixMatch filter needs exactly one match, of path type PathPrefix');
  }
}

export function httpRouteFromProto(body: HttpRoute__Output, source: SourceRef = WIRE_SOURCE): HttpRoute {
  return {
    ...routeHead(body),
    rules: body.rules.map((rule, ruleIndex) => {
      const at = `rules[${ruleIndex}]`;
      if (rule.matches.length === 0) fail(`${at}.matches`, 'must not be empty (a rule without matches is sent as PathPrefix "/")');
      const decoded = {
        ...optional('name', rule.name === undefined ? undefined : check.nonEmpty(rule.name, `${at}.name`)),
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
      checkPrefixReplacement(decoded, at);
      return decoded;
    }),
    source,
  };
}

export const httpRouteKind: ResourceKind<'httpRoutes', HttpRouteProto, HttpRoute__Output> = {
  kind: 'HTTPRoute',
  field: 'httpRoute',
  configKey: 'httpRoutes',
  key: namespaced,
  toProto: httpRouteToProto,
  fromProto: (body, name) => httpRouteFromProto(body, resourceSource(name)),
};
