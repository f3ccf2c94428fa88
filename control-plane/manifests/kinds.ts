/**
 * Which kinds a manifest directory may hold: those modelled (with their
 * schema) and those the mesh will model later, which are let through with a
 * warning so that a directory written for a later Weft still loads.
 */
import type { TSchema } from '@sinclair/typebox';
import { type AuthorizationPolicyManifest, AuthorizationPolicySchema } from './schema/authorization-policy.js';
import { type GrpcRouteManifest, GrpcRouteSchema } from './schema/grpc-route.js';
import { type HttpRouteManifest, HttpRouteSchema } from './schema/http-route.js';
import { type NamespaceManifest, NamespaceSchema } from './schema/namespace.js';
import { type PeerAuthenticationManifest, PeerAuthenticationSchema } from './schema/peer-authentication.js';
import { GATEWAY_API_VERSION } from './schema/route-common.js';
import { type ServiceManifest, ServiceSchema } from './schema/service.js';
import { type WorkloadManifest, WorkloadSchema } from './schema/workload.js';

export interface ManifestsByKind {
  Service: ServiceManifest;
  Namespace: NamespaceManifest;
  Workload: WorkloadManifest;
  HTTPRoute: HttpRouteManifest;
  GRPCRoute: GrpcRouteManifest;
  AuthorizationPolicy: AuthorizationPolicyManifest;
  PeerAuthentication: PeerAuthenticationManifest;
}

export type SupportedKind = keyof ManifestsByKind;

export const supportedKinds: Record<SupportedKind, { apiVersion: string; schema: TSchema }> = {
  Service: { apiVersion: 'v1', schema: ServiceSchema },
  Namespace: { apiVersion: 'v1', schema: NamespaceSchema },
  Workload: { apiVersion: 'weft.dev/v1alpha1', schema: WorkloadSchema },
  HTTPRoute: { apiVersion: GATEWAY_API_VERSION, schema: HttpRouteSchema },
  GRPCRoute: { apiVersion: GATEWAY_API_VERSION, schema: GrpcRouteSchema },
  AuthorizationPolicy: { apiVersion: 'weft.dev/v1alpha1', schema: AuthorizationPolicySchema },
  PeerAuthentication: { apiVersion: 'weft.dev/v1alpha1', schema: PeerAuthenticationSchema },
};

/**
 * ReferenceGrant lets a route in one namespace send to a Service in
 * another; Weft does not enforce that yet, and a directory written for a
 * cluster that has them should still load.
 */
export const notYetSupportedKinds: ReadonlySet<string> = new Set(['ReferenceGrant']);

export function isSupportedKind(kind: string): kind is SupportedKind {
  return Object.hasOwn(supportedKinds, kind);
}

/** Namespace is the one cluster-scoped kind. */
export function isNamespaced(kind: SupportedKind): boolean {
  return kind !== 'Namespace';
}
