/**
 * Which kinds a manifest directory may hold: those modelled (with their
 * schema) and those the mesh will model later, which are let through with a
 * warning so that a directory written for a later Weft still loads.
 */
import type { TSchema } from '@sinclair/typebox';
import { type NamespaceManifest, NamespaceSchema } from './schema/namespace.js';
import { type ServiceManifest, ServiceSchema } from './schema/service.js';
import { type WorkloadManifest, WorkloadSchema } from './schema/workload.js';

export interface ManifestsByKind {
  Service: ServiceManifest;
  Namespace: NamespaceManifest;
  Workload: WorkloadManifest;
}

export type SupportedKind = keyof ManifestsByKind;

export const supportedKinds: Record<SupportedKind, { apiVersion: string; schema: TSchema }> = {
  Service: { apiVersion: 'v1', schema: ServiceSchema },
  Namespace: { apiVersion: 'v1', schema: NamespaceSchema },
  Workload: { apiVersion: 'weft.dev/v1alpha1', schema: WorkloadSchema },
};

export const notYetSupportedKinds: ReadonlySet<string> = new Set([
  'HTTPRoute',
  'GRPCRoute',
  'AuthorizationPolicy',
  'PeerAuthentication',
]);

export function isSupportedKind(kind: string): kind is SupportedKind {
  return Object.hasOwn(supportedKinds, kind);
}
