/**
 * `gateway.networking.k8s.io/v1 GRPCRoute`, attached to a Service (GAMMA).
 * Weft also reads `timeouts` and `retry` on its rules, as on HTTPRoute's;
 * retry codes are gRPC status codes (14 is UNAVAILABLE).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IgnoredStatus, NamespacedMetadata, StringEnum } from './common.js';
import {
  BackendRefSchema,
  GATEWAY_API_VERSION,
  HeaderMatchSchema,
  HeaderModifierSchema,
  RequestMirrorSchema,
  RetrySchema,
  RuleName,
  routeSpecFields,
  TimeoutsSchema,
} from './route-common.js';

export const GrpcMethodMatchSchema = Type.Object(
  {
    type: Type.Optional(StringEnum(['Exact', 'RegularExpression'], { default: 'Exact' })),
    service: Type.Optional(Type.String({ maxLength: 1024 })),
    method: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export const GrpcRouteMatchSchema = Type.Object(
  {
    method: Type.Optional(GrpcMethodMatchSchema),
    headers: Type.Optional(Type.Array(HeaderMatchSchema, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

export const GRPC_FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror'] as const;

export const GrpcRouteFilterSchema = Type.Object(
  {
    type: StringEnum(GRPC_FILTER_TYPES),
    requestHeaderModifier: Type.Optional(HeaderModifierSchema),
    responseHeaderModifier: Type.Optional(HeaderModifierSchema),
    requestMirror: Type.Optional(RequestMirrorSchema),
  },
  { additionalProperties: false },
);

export const GrpcRouteRuleSchema = Type.Object(
  {
    name: Type.Optional(RuleName),
    matches: Type.Optional(Type.Array(GrpcRouteMatchSchema, { maxItems: 8 })),
    filters: Type.Optional(Type.Array(GrpcRouteFilterSchema, { maxItems: 16 })),
    backendRefs: Type.Optional(Type.Array(BackendRefSchema, { maxItems: 16 })),
    timeouts: Type.Optional(TimeoutsSchema),
    retry: Type.Optional(RetrySchema({ minimum: 0, maximum: 16, description: 'a gRPC status code, 0-16' })),
  },
  { additionalProperties: false },
);

export const GrpcRouteSchema = Type.Object(
  {
    apiVersion: Type.Literal(GATEWAY_API_VERSION),
    kind: Type.Literal('GRPCRoute'),
    metadata: NamespacedMetadata(),
    spec: Type.Object(
      {
        ...routeSpecFields,
        rules: Type.Optional(Type.Array(GrpcRouteRuleSchema, { maxItems: 16 })),
      },
      { additionalProperties: false },
    ),
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type GrpcRouteManifest = Static<typeof GrpcRouteSchema>;
