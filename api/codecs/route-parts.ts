/**
 * The parts HttpRoute and GrpcRoute share on the wire
 * (proto/weft/v1/mesh-policy.proto): parent and backend refs, header
 * matches, header modifiers, mirrors, timeouts, retries, the filters both
 * kinds have, and a route's head (name, namespace, parents, hostnames).
 */
import type { RouteBackendRef as RouteBackendRefProto, RouteBackendRef__Output } from '../../proto/generated/weft/v1/RouteBackendRef.js';
import type { RouteHeaderMatch, RouteHeaderMatch__Output } from '../../proto/generated/weft/v1/RouteHeaderMatch.js';
import type { RouteHeaderModifier, RouteHeaderModifier__Output } from '../../proto/generated/weft/v1/RouteHeaderModifier.js';
import type { RouteParentRef, RouteParentRef__Output } from '../../proto/generated/weft/v1/RouteParentRef.js';
import type { RouteRequestMirror, RouteRequestMirror__Output } from '../../proto/generated/weft/v1/RouteRequestMirror.js';
import type { RouteRetry, RouteRetry__Output } from '../../proto/generated/weft/v1/RouteRetry.js';
import type { RouteTimeouts, RouteTimeouts__Output } from '../../proto/generated/weft/v1/RouteTimeouts.js';
import type {
  BackendRefFilter,
  GrpcRouteFilter,
  HeaderMatch,
  HeaderModifier,
  HttpRouteFilter,
  RequestMirror,
  RouteBackendRef,
  RouteParentRef as ParentRef,
  RouteRetry as Retry,
  RouteTimeouts as Timeouts,
} from '../../model/types.js';
import * as check from '../field-checks.js';
import { enumCodec, fail, integer, milliseconds, optional, regex } from './wire-values.js';

const headerMatchType = enumCodec({ Exact: 'EXACT', RegularExpression: 'REGULAR_EXPRESSION' });

export function parentRefToProto(ref: ParentRef): RouteParentRef {
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

export function backendRefToProto(ref: RouteBackendRef): RouteBackendRefProto {
  return {
    name: ref.name,
    namespace: ref.namespace,
    port: ref.port,
    weight: ref.weight,
    filters: (ref.filters ?? []).map((filter) => commonFilterToProto(filter) ?? {}),
  };
}

export function backendRefFromProto(ref: RouteBackendRef__Output, field: string): RouteBackendRef {
  const filters = ref.filters.map((filter, index): BackendRefFilter => {
    const at = `${field}.filters[${index}]`;
    const decoded = commonFilterFromProto(filter, at);
    if (decoded?.type !== 'RequestHeaderModifier' && decoded?.type !== 'ResponseHeaderModifier') return fail(at, 'sets no header modifier');
    return decoded;
  });
  return {
    name: check.nonEmpty(ref.name, `${field}.name`),
    namespace: check.dnsLabel(ref.namespace, `${field}.namespace`),
    port: check.port(ref.port, `${field}.port`),
    weight: integer(ref.weight, `${field}.weight`, 0, 1_000_000),
    ...optional('filters', filters.length > 0 ? filters : undefined),
  };
}

export function headerMatchToProto(match: HeaderMatch): RouteHeaderMatch {
  return { type: headerMatchType.toProto(match.type), name: match.name, value: match.value };
}

export function headerMatchFromProto(match: RouteHeaderMatch__Output, field: string): HeaderMatch {
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

export function timeoutsToProto(timeouts: Timeouts | undefined): RouteTimeouts | undefined {
  return timeouts && { ...optional('requestMs', timeouts.requestMs), ...optional('backendRequestMs', timeouts.backendRequestMs) };
}

export function timeoutsFromProto(timeouts: RouteTimeouts__Output | null, field: string): { timeouts?: Timeouts } {
  if (!timeouts) return {};
  return {
    timeouts: {
      ...optional('requestMs', timeouts.requestMs === undefined ? undefined : milliseconds(timeouts.requestMs, `${field}.requestMs`)),
      ...optional('backendRequestMs', timeouts.backendRequestMs === undefined ? undefined : milliseconds(timeouts.backendRequestMs, `${field}.backendRequestMs`)),
    },
  };
}

export function retryToProto(retry: Retry | undefined): RouteRetry | undefined {
  return retry && { ...optional('attempts', retry.attempts), ...optional('backoffMs', retry.backoffMs), codes: [...retry.codes] };
}

export function retryFromProto(retry: RouteRetry__Output | null, field: string, codes: [number, number]): { retry?: Retry } {
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
export function commonFilterToProto(filter: HttpRouteFilter) {
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

export function commonFilterFromProto(filter: CommonFilterOutput, field: string): GrpcRouteFilter | undefined {
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

export function routeHead(route: { name: string; namespace: string; creationTimestamp?: string; parentRefs: RouteParentRef__Output[]; hostnames: string[] }) {
  return {
    name: check.dnsSubdomain(route.name, 'name'),
    namespace: check.dnsLabel(route.namespace, 'namespace'),
    ...optional('creationTimestamp', route.creationTimestamp === undefined ? undefined : check.creationTimestamp(route.creationTimestamp, 'creationTimestamp')),
    parentRefs: route.parentRefs.map((ref, index) => parentRefFromProto(ref, `parentRefs[${index}]`)),
    hostnames: route.hostnames.map((hostname, index) => check.nonEmpty(hostname, `hostnames[${index}]`)),
  };
}

