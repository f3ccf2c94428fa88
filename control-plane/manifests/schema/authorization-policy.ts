/**
 * `weft.dev/v1alpha1 AuthorizationPolicy`: Istio's security.istio.io/v1
 * AuthorizationPolicy with the fields a mesh without JWT or custom
 * providers can honour, so that Istio policies port by changing apiVersion.
 * Like Istio: ports are strings ("8080"), every list is optional, and a
 * field's entries are ORed while the fields of one source, operation or
 * condition are ANDed.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IgnoredStatus, NamespacedMetadata, StringEnum, WorkloadSelector } from './common.js';

const Strings = () => Type.Optional(Type.Array(Type.String({ minLength: 1 })));

export const AuthorizationSourceSchema = Type.Object(
  {
    principals: Strings(),
    notPrincipals: Strings(),
    namespaces: Strings(),
    notNamespaces: Strings(),
    ipBlocks: Strings(),
    notIpBlocks: Strings(),
    // Istio's original client address (X-Forwarded-For, PROXY protocol). Weft trusts
    // neither, so these test the same address as ipBlocks, as a field of their own.
    remoteIpBlocks: Strings(),
    notRemoteIpBlocks: Strings(),
  },
  { additionalProperties: false },
);

const PortString = Type.String({ pattern: '^[0-9]{1,5}$', description: 'a port number written as a string, as in Istio: "8080"' });

export const AuthorizationOperationSchema = Type.Object(
  {
    ports: Type.Optional(Type.Array(PortString)),
    notPorts: Type.Optional(Type.Array(PortString)),
    methods: Strings(),
    notMethods: Strings(),
    paths: Strings(),
    notPaths: Strings(),
    hosts: Strings(),
    notHosts: Strings(),
  },
  { additionalProperties: false },
);

export const AuthorizationConditionSchema = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    values: Strings(),
    notValues: Strings(),
  },
  { additionalProperties: false },
);

export const AuthorizationRuleSchema = Type.Object(
  {
    from: Type.Optional(Type.Array(Type.Object({ source: AuthorizationSourceSchema }, { additionalProperties: false }))),
    to: Type.Optional(Type.Array(Type.Object({ operation: AuthorizationOperationSchema }, { additionalProperties: false }))),
    when: Type.Optional(Type.Array(AuthorizationConditionSchema)),
  },
  { additionalProperties: false },
);

export const AuthorizationPolicySpecSchema = Type.Object(
  {
    selector: Type.Optional(WorkloadSelector),
    // CUSTOM is in the enum only so that policy-checks.ts can say why it is refused.
    action: Type.Optional(StringEnum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'], { default: 'ALLOW' })),
    rules: Type.Optional(Type.Array(AuthorizationRuleSchema)),
  },
  { additionalProperties: false, default: {} },
);

export const AuthorizationPolicySchema = Type.Object(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('AuthorizationPolicy'),
    metadata: NamespacedMetadata(),
    // Istio's deny-all is `spec: {}`; a missing spec means the same.
    spec: Type.Optional(AuthorizationPolicySpecSchema),
    status: IgnoredStatus,
  },
  { additionalProperties: false },
);

export type AuthorizationPolicyManifest = Static<typeof AuthorizationPolicySchema>;
