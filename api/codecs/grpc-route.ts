/**
 * GrpcRoute on the wire (proto/weft/v1/mesh-policy.proto), as
 * http-route.ts does HttpRoute: deterministic toProto, a fromProto that
 * re-checks what the agent acts on and throws naming the field.
 */
import type { GrpcRoute as GrpcRouteProto, GrpcRoute__Output } from '../../proto/generated/weft/v1/GrpcRoute.js';
import type { GrpcRoute, SourceRef } from '../../model/types.js';
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

const grpcMethodType = enumCodec({ Exact: 'EXACT', RegularExpression: 'REGULAR_EXPRESSION' });

export function grpcRouteToProto(route: GrpcRoute): GrpcRouteProto {
  return {
    name: route.name,
    namespace: route.namespace,
    ...optional('creationTimestamp', route.creationTimestamp),
    parentRefs: route.parentRefs.map(parentRefToProto),
    hostnames: [...route.hostnames],
    rules: route.rules.map((rule) => ({
      ...optional('name', rule.name),
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
      backendRefs: rule.backendRefs.map(backendRefToProto),
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
        ...optional('name', rule.name === undefined ? undefined : check.nonEmpty(rule.name, `${at}.name`)),
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

export const grpcRouteKind: ResourceKind<'grpcRoutes', GrpcRouteProto, GrpcRoute__Output> = {
  kind: 'GRPCRoute',
  field: 'grpcRoute',
  configKey: 'grpcRoutes',
  key: namespaced,
  toProto: grpcRouteToProto,
  fromProto: (body, name) => grpcRouteFromProto(body, resourceSource(name)),
};
