/** `gateway.networking.k8s.io/v1 HTTPRoute`, attached to a Service (GAMMA). */
import { type Static, Type } from '@sinclair/typebox';
import { IgnoredStatus, NamespacedMetadata, Port, StringEnum } from './common.js';
import {
  BackendRefSchema,
  GATEWAY_API_VERSION,
  HeaderMatchSchema,
  HeaderModifierSchema,
  HttpMethod,
  PreciseHostname,
  RedirectStatusCode,
  RequestMirrorSchema,
  RetrySchema,
  RuleName,
  routeSpecFields,
  TimeoutsSchema,
} from './route-common.js';

export const PathMatchSchema = Type.Object(
  {
    type: Type.Optional(StringEnum(['Exact', 'PathPrefix', 'RegularExpression'], { default: 'PathPrefix' })),
    value: Type.Optional(Type.String({ maxLength: 1024, default: '/' })),
  },
  { additionalProperties: false, default: { type: 'PathPrefix', value: '/' } },
);

export const HttpRouteMatchSchema = Type.Object(
  {
    path: Type.Optional(PathMatchSchema),
    headers: Type.Optional(Type.Array(HeaderMatchSchema, { maxItems: 16 })),
    queryParams: Type.Optional(Type.Array(HeaderMatchSchema, { maxItems: 16 })),
    method: Type.Optional(HttpMethod),
  },
  { additionalProperties: false },
);

export const PathModifierSchema = Type.Object(
  {
    type: StringEnum(['ReplaceFullPath', 'ReplacePrefixMatch']),
    replaceFullPath: Type.Optional(Type.String({ maxLength: 1024 })),
    replacePrefixMatch: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export const HTTP_FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite'] as const;

export const HttpRouteFilterSchema = Type.Object(
  {
    type: StringEnum(HTTP_FILTER_TYPES),
    requestHeaderModifier: Type.Optional(HeaderModifierSchema),
    responseHeaderModifier: Type.Optional(HeaderModifierSchema),
    requestMirror: Type.Optional(RequestMirrorSchema),
    requestRedirect: Type.Optional(
      Type.Object(
        {
          scheme: Type.Optional(StringEnum(['http', 'https'])),
          hostname: Type.Optional(PreciseHostname),
          path: Type.Optional(PathModifierSchema),
          port: Type.Optional(Port),
          statusCode: Type.Optional(RedirectStatusCode),
        },
        { additionalProperties: false },
      ),
    ),
    urlRewrite: Type.Optional(
      Type.Object(
        { hostname: Type.Optional(PreciseHostname), path: Type.Optional(PathModifierSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const defaultMatches = [{ path: { type: 'PathPrefix', value: '/' } }];

export const HttpRouteRuleSchema = Type.Object(
  {
    name: Type.Optional(RuleName),
    matches: Type.Optional(Type.Array(HttpRouteMatchSchema, { maxItems: 64, default: defaultMatches })),
    filters: Type.Optional(Type.Array(HttpRouteFilterSchema, { maxItems: 16 })),
    backendRefs: Type.Optional(Type.Array(BackendRefSchema, { maxItems: 16 })),
    timeouts: Type.Optional(TimeoutsSchema),
    retry: Type.Optional(RetrySchema({ minimum: 400, maximum: 599, description: 'an HTTP status code, 400-599' })),
  },
  { additionalProperties: false },
);

export const HttpRouteSchema = Type.Object(
  {
    apiVersion: Type.Literal(GATEWAY_API_VERSION),
    kind: Type.Literal('HTTPRoute'),
    metadata: NamespacedMetadata(),
    spec: Type.Object(
      {
        ...routeSpecFields,
        rules: Type.Optional(Type.Array(HttpRouteRuleSchema, { maxItems: 16, default: [{ matches: defaultMatches }] })),
      },
      { additionalProperties: false },
    ),
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type HttpRouteManifest = Static<typeof HttpRouteSchema>;
