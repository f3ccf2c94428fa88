/**
 * One-document checks of HTTPRoute and GRPCRoute: what the upstream CRDs
 * say in CEL (a filter sets exactly the field its type names, no redirect
 * together with backends, ...), regexes that must compile, and GAMMA's
 * restriction to Service references. References to Services that must
 * exist are checked across documents, in build-routes.ts.
 */
import type { Static } from '@sinclair/typebox';
import { parseDuration } from '../../core/duration.js';
import type { FieldPath } from './field-path.js';
import type { ConfigIssue } from '../../model/issues.js';
import { issueAt, type ManifestObject } from './manifest-object.js';
import { regexProblem } from '../../model/route-regex.js';
import type { GrpcRouteMatchSchema, GrpcRouteRuleSchema } from './schema/grpc-route.js';
import type { HttpRouteMatchSchema, HttpRouteRuleSchema, PathModifierSchema } from './schema/http-route.js';
import type { BackendObjectRefSchema, HeaderMatchSchema, ParentRefSchema, RequestMirrorSchema, TimeoutsSchema } from './schema/route-common.js';

type RouteObject = Extract<ManifestObject, { kind: 'HTTPRoute' | 'GRPCRoute' }>;
type Report = (severity: ConfigIssue['severity'], path: FieldPath, message: string) => void;

const filterFields = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
} as const;

/** Filters that may appear once per rule (the Gateway API's CEL rules). */
const oncePerRule = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite']);

const isCoreGroup = (group: string | undefined) => group === '' || group === 'core';

/** GAMMA: routes attach to and send to Services. The Gateway API's defaults for a parentRef name a Gateway, which Weft does not serve. */
function checkServiceRef(report: Report, path: FieldPath, ref: { group?: string; kind?: string }, what: string, gatewayDefault: boolean): void {
  const hint = gatewayDefault ? '; a parentRef without group and kind means a Gateway, and Weft attaches routes to Services (the GAMMA model)' : '';
  if (!isCoreGroup(ref.group)) {
    report('error', [...path, 'group'], `${what} must be a Service: group must be "" or "core" (got ${JSON.stringify(ref.group)}${hint})`);
  }
  if (ref.kind !== 'Service') {
    report('error', [...path, 'kind'], `${what} must be a Service: kind must be Service (got ${JSON.stringify(ref.kind)}${hint})`);
  }
}

function checkParentRefs(report: Report, parentRefs: Array<Static<typeof ParentRefSchema>> | undefined): void {
  if (!parentRefs || parentRefs.length === 0) {
    report('warning', ['spec'], 'no parentRefs: the route attaches to no Service and has no effect');
    return;
  }
  parentRefs.forEach((ref, index) => checkServiceRef(report, ['spec', 'parentRefs', index], ref, 'a parentRef', true));
}

function checkHeaderMatches(report: Report, path: FieldPath, matches: Array<Static<typeof HeaderMatchSchema>> | undefined, what: string): void {
  const seen = new Map<string, number>();
  matches?.forEach((match, index) => {
    if (match.type === 'RegularExpression') {
      const problem = regexProblem(match.value);
      if (problem) report('error', [...path, index, 'value'], problem);
    }
    const name = what === 'header' ? match.name.toLowerCase() : match.name;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else report('warning', [...path, index, 'name'], `${what} ${match.name} is already matched by entry ${first}; only the first is used`);
  });
}

function checkMirror(report: Report, path: FieldPath, mirror: Static<typeof RequestMirrorSchema>): void {
  checkServiceRef(report, [...path, 'backendRef'], mirror.backendRef as Static<typeof BackendObjectRefSchema>, 'a mirror backendRef', false);
  if (mirror.percent !== undefined && mirror.fraction !== undefined) {
    report('error', [...path, 'fraction'], 'set percent or fraction, not both');
  }
  if (mirror.fraction && mirror.fraction.numerator > (mirror.fraction.denominator ?? 100)) {
    report('error', [...path, 'fraction', 'numerator'], 'must not be greater than the denominator');
  }
}

/** A filter sets exactly the field its type names; returns whether it does. */
function checkFilterFields(report: Report, path: FieldPath, filter: { type: keyof typeof filterFields } & Record<string, unknown>): boolean {
  const own = filterFields[filter.type];
  let ok = true;
  if (filter[own] === undefined) {
    report('error', [...path, own], `is required when type is ${filter.type}`);
    ok = false;
  }
  for (const [type, field] of Object.entries(filterFields)) {
    if (field !== own && filter[field] !== undefined) {
      report('error', [...path, field], `is only allowed when type is ${type} (type is ${filter.type})`);
      ok = false;
    }
  }
  return ok;
}

function checkPathModifier(report: Report, path: FieldPath, modifier: Static<typeof PathModifierSchema>, prefixMatchOk: boolean): void {
  const own = modifier.type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
  const other = modifier.type === 'ReplaceFullPath' ? 'replacePrefixMatch' : 'replaceFullPath';
  if (modifier[own] === undefined) report('error', [...path, own], `is required when type is ${modifier.type}`);
  if (modifier[other] !== undefined) report('error', [...path, other], `is only allowed when type is ${modifier.type === 'ReplaceFullPath' ? 'ReplacePrefixMatch' : 'ReplaceFullPath'}`);
  if (modifier.type === 'ReplacePrefixMatch' && !prefixMatchOk) {
    report('error', [...path, 'type'], 'ReplacePrefixMatch needs the rule to have exactly one match, of path type PathPrefix');
  }
}

function checkTimeouts(report: Report, path: FieldPath, timeouts: Static<typeof TimeoutsSchema> | undefined): void {
  if (!timeouts) return;
  const request = timeouts.request === undefined ? undefined : parseDuration(timeouts.request);
  const backend = timeouts.backendRequest === undefined ? undefined : parseDuration(timeouts.backendRequest);
  // The schema's pattern already refuses these; kept so that a pattern change cannot let one through unparsed.
  if (timeouts.request !== undefined && request === undefined) report('error', [...path, 'request'], 'is not a duration such as 10s or 500ms');
  if (timeouts.backendRequest !== undefined && backend === undefined) report('error', [...path, 'backendRequest'], 'is not a duration such as 10s or 500ms');
  if (request !== undefined && backend !== undefined && request !== 0 && backend > request) {
    report('error', [...path, 'backendRequest'], `${timeouts.backendRequest} is longer than the request timeout ${timeouts.request}`);
  }
}

interface CommonRule {
  filters?: Array<{ type: keyof typeof filterFields } & Record<string, unknown>>;
  backendRefs?: Array<{ group?: string; kind?: string; weight?: number; filters?: Array<{ type: keyof typeof filterFields } & Record<string, unknown>> }>;
  timeouts?: Static<typeof TimeoutsSchema>;
  retry?: { backoff?: string };
}

/** Checks every rule kind has; returns the filter types the rule uses. */
function checkCommonRule(report: Report, path: FieldPath, rule: CommonRule): Set<string> {
  const types = new Set<string>();
  rule.filters?.forEach((filter, index) => {
    const filterPath = [...path, 'filters', index];
    if (types.has(filter.type) && oncePerRule.has(filter.type)) {
      report('error', [...filterPath, 'type'], `a rule may have one ${filter.type} filter`);
    }
    types.add(filter.type);
    if (!checkFilterFields(report, filterPath, filter)) return;
    if (filter.type === 'RequestMirror') checkMirror(report, [...filterPath, 'requestMirror'], filter.requestMirror as Static<typeof RequestMirrorSchema>);
  });

  const backendRefs = rule.backendRefs ?? [];
  backendRefs.forEach((ref, index) => {
    checkServiceRef(report, [...path, 'backendRefs', index], ref, 'a backendRef', false);
    ref.filters?.forEach((filter, filterIndex) => checkFilterFields(report, [...path, 'backendRefs', index, 'filters', filterIndex], filter));
  });
  if (backendRefs.length > 0 && backendRefs.every((ref) => (ref.weight ?? 1) === 0)) {
    report('error', [...path, 'backendRefs'], 'the weights sum to 0: every request would fail; give at least one backendRef a weight above 0');
  }
  if (backendRefs.length === 0 && !types.has('RequestRedirect')) {
    report('warning', path, 'no backendRefs: requests this rule matches are answered with an error (HTTP 500)');
  }
  checkTimeouts(report, [...path, 'timeouts'], rule.timeouts);
  if (rule.retry?.backoff !== undefined && parseDuration(rule.retry.backoff) === undefined) {
    report('error', [...path, 'retry', 'backoff'], 'is not a duration such as 10s or 500ms');
  }
  return types;
}

/** Gateway API's rules for Exact and PathPrefix values (HTTPPathMatch's CEL). */
function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must be an absolute path, starting with "/"';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `must not contain ${JSON.stringify(bad)}`;
  }
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with "/.." or "/."';
  return undefined;
}

function checkHttpMatch(report: Report, path: FieldPath, match: Static<typeof HttpRouteMatchSchema>): void {
  const pathMatch = match.path;
  if (pathMatch) {
    const value = pathMatch.value ?? '/';
    const problem = pathMatch.type === 'RegularExpression' ? regexProblem(value) : pathValueProblem(value);
    if (problem) report('error', [...path, 'path', 'value'], problem);
  }
  checkHeaderMatches(report, [...path, 'headers'], match.headers, 'header');
  checkHeaderMatches(report, [...path, 'queryParams'], match.queryParams, 'query parameter');
}

function checkHttpRule(report: Report, path: FieldPath, rule: Static<typeof HttpRouteRuleSchema>): void {
  const matches = rule.matches ?? [];
  matches.forEach((match, index) => checkHttpMatch(report, [...path, 'matches', index], match));
  const types = checkCommonRule(report, path, rule as CommonRule);
  if (types.has('RequestRedirect') && types.has('URLRewrite')) {
    report('error', [...path, 'filters'], 'a rule may have a RequestRedirect or a URLRewrite filter, not both');
  }
  if (types.has('RequestRedirect') && (rule.backendRefs ?? []).length > 0) {
    report('error', [...path, 'backendRefs'], 'a rule with a RequestRedirect filter answers itself: it must have no backendRefs');
  }
  const onePrefixMatch = matches.length === 1 && (matches[0]?.path?.type ?? 'PathPrefix') === 'PathPrefix';
  rule.filters?.forEach((filter, index) => {
    const modifier = filter.type === 'RequestRedirect' ? filter.requestRedirect?.path : filter.type === 'URLRewrite' ? filter.urlRewrite?.path : undefined;
    const field = filter.type === 'RequestRedirect' ? 'requestRedirect' : 'urlRewrite';
    if (modifier) checkPathModifier(report, [...path, 'filters', index, field, 'path'], modifier, onePrefixMatch);
  });
}

const grpcService = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const grpcMethod = /^[A-Za-z_][A-Za-z_0-9]*$/;

function checkGrpcMatch(report: Report, path: FieldPath, match: Static<typeof GrpcRouteMatchSchema>): void {
  const method = match.method;
  if (method) {
    const methodPath = [...path, 'method'];
    if (method.service === undefined && method.method === undefined) {
      report('error', methodPath, 'set service, method or both');
    }
    for (const field of ['service', 'method'] as const) {
      const value = method[field];
      if (value === undefined) continue;
      if (method.type === 'RegularExpression') {
        const problem = regexProblem(value);
        if (problem) report('error', [...methodPath, field], problem);
      } else if (!(field === 'service' ? grpcService : grpcMethod).test(value)) {
        const example = field === 'service' ? 'a fully qualified service name such as shop.v1.Reviews' : 'a method name such as GetReview';
        report('error', [...methodPath, field], `must be ${example} (got ${JSON.stringify(value)})`);
      }
    }
  }
  checkHeaderMatches(report, [...path, 'headers'], match.headers, 'header');
}

function checkGrpcRule(report: Report, path: FieldPath, rule: Static<typeof GrpcRouteRuleSchema>): void {
  rule.matches?.forEach((match, index) => checkGrpcMatch(report, [...path, 'matches', index], match));
  checkCommonRule(report, path, rule as CommonRule);
}

export function checkRoute(object: RouteObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (severity, path, message) => issues.push(issueAt(object, severity, path, message));
  const { spec } = object.manifest;
  checkParentRefs(report, spec.parentRefs);
  if (object.kind === 'HTTPRoute') {
    // The schema filled in the Gateway API's default rule: match everything, send nowhere.
    if (!object.lines.has(['spec', 'rules'])) report('warning', ['spec'], 'no rules: every request is answered with an error (HTTP 500)');
    else object.manifest.spec.rules?.forEach((rule, index) => checkHttpRule(report, ['spec', 'rules', index], rule));
  } else {
    const rules = object.manifest.spec.rules ?? [];
    if (rules.length === 0) report('warning', ['spec'], 'no rules: the route sends no traffic anywhere');
    rules.forEach((rule, index) => checkGrpcRule(report, ['spec', 'rules', index], rule));
  }
  return issues;
}
