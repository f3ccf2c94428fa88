/**
 * Pieces HTTPRoute and GRPCRoute share, as the Gateway API (v1) defines
 * them: references, header matches and modifiers, mirroring, and the
 * timeouts and retry blocks. Limits (maxItems, maxLength) and defaults are
 * the upstream CRDs'; rules the upstream CRDs state in CEL (a filter's
 * type names the one field it sets, say) are semantic checks in
 * route-checks.ts.
 */
import { Type } from '@sinclair/typebox';
import { DnsLabel, IntegerEnum, Port, StringEnum } from './common.js';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/** The API group of a referent: empty (or "core") for core objects such as Service. */
export const GroupName = Type.String({
  maxLength: 253,
  pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  description: 'an API group: empty (or "core") for a Service',
});

export const KindName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$',
  description: 'a kind such as Service',
});

export const ObjectName = Type.String({ minLength: 1, maxLength: 253 });

/** `*.example.com` or `example.com`: Gateway API Hostname. */
export const Hostname = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  description: 'a hostname such as reviews.shop.svc.cluster.local, optionally with a leading "*."',
});

/** Gateway API PreciseHostname: no wildcard. */
export const PreciseHostname = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  description: 'a hostname such as reviews.shop.svc.cluster.local',
});

/** Gateway API Duration (GEP-2257): up to four number+unit pairs, e.g. 10s, 500ms, 1h30m. */
export const Duration = Type.String({
  pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$',
  description: 'a duration such as 10s, 500ms or 1m30s (units h, m, s, ms)',
});

/** RFC 7230 token: an HTTP header name. */
export const HeaderName = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$",
  description: 'an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)',
});

/**
 * A route's attachment in the GAMMA model: a Service, optionally one port.
 * group and kind default to the Gateway API's (a Gateway), which Weft does
 * not serve: route-checks.ts says so instead of silently ignoring the route.
 */
export const ParentRefSchema = Type.Object(
  {
    group: Type.Optional(Type.String({ ...GroupName, default: 'gateway.networking.k8s.io' })),
    kind: Type.Optional(Type.String({ ...KindName, default: 'Gateway' })),
    namespace: Type.Optional(DnsLabel),
    name: ObjectName,
    sectionName: Type.Optional(Type.String({ ...DnsLabel, description: 'the name of a port of the Service' })),
    port: Type.Optional(Port),
  },
  { additionalProperties: false },
);

/** BackendObjectReference: a Service port. (Gateway API requires port for Services.) */
const backendObjectFields = {
  group: Type.Optional(Type.String({ ...GroupName, default: '' })),
  kind: Type.Optional(Type.String({ ...KindName, default: 'Service' })),
  name: ObjectName,
  namespace: Type.Optional(DnsLabel),
  port: Port,
};

export const BackendObjectRefSchema = Type.Object(backendObjectFields, { additionalProperties: false });

/** Gateway API SectionName: a rule's optional name (GEP-995). */
export const RuleName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  description: 'a rule name: lower-case letters, digits, "-" and "."',
});

export const HeaderMatchType = StringEnum(['Exact', 'RegularExpression'], { default: 'Exact' });

export const HeaderMatchSchema = Type.Object(
  {
    type: Type.Optional(HeaderMatchType),
    name: HeaderName,
    value: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);

const HeaderSchema = Type.Object(
  { name: HeaderName, value: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);

export const HeaderModifierSchema = Type.Object(
  {
    set: Type.Optional(Type.Array(HeaderSchema, { maxItems: 16 })),
    add: Type.Optional(Type.Array(HeaderSchema, { maxItems: 16 })),
    remove: Type.Optional(Type.Array(HeaderName, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

export const BACKEND_FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier'] as const;

/** A backendRef's own filters, applied only to requests sent to it: Weft takes the header modifiers. */
export const BackendRefFilterSchema = Type.Object(
  {
    type: StringEnum(BACKEND_FILTER_TYPES),
    requestHeaderModifier: Type.Optional(HeaderModifierSchema),
    responseHeaderModifier: Type.Optional(HeaderModifierSchema),
  },
  { additionalProperties: false },
);

export const BackendRefSchema = Type.Object(
  {
    ...backendObjectFields,
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1 })),
    filters: Type.Optional(Type.Array(BackendRefFilterSchema, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

export const RequestMirrorSchema = Type.Object(
  {
    backendRef: BackendObjectRefSchema,
    percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    fraction: Type.Optional(
      Type.Object(
        {
          numerator: Type.Integer({ minimum: 0 }),
          denominator: Type.Optional(Type.Integer({ minimum: 1, default: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TimeoutsSchema = Type.Object(
  {
    request: Type.Optional(Duration),
    backendRequest: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

/** Like the Gateway API's experimental HTTPRouteRetry (GEP-1731). */
export function RetrySchema(codes: { minimum: number; maximum: number; description: string }) {
  return Type.Object(
    {
      codes: Type.Optional(Type.Array(Type.Integer(codes), { maxItems: 32 })),
      attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      backoff: Type.Optional(Duration),
    },
    { additionalProperties: false },
  );
}

/** Common to both route kinds' specs. */
export const routeSpecFields = {
  parentRefs: Type.Optional(Type.Array(ParentRefSchema, { maxItems: 32 })),
  hostnames: Type.Optional(Type.Array(Hostname, { maxItems: 16 })),
};

export const HttpMethod = StringEnum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export const RedirectStatusCode = IntegerEnum([301, 302, 303, 307, 308], { default: 302 });
