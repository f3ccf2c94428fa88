/** The config model's public surface: types, loading, and printing issues. */
export type { LoadResult, MeshConfig, Service, ServicePort, SourceRef, Workload } from './types.js';
export { type ConfigIssue, countErrors, formatIssue } from './issues.js';
export { parseManifestText, type ParsedManifests } from './parse-manifest.js';
export { buildMeshConfig } from './build-config.js';
export { loadManifests, type ManifestText } from './load-manifests.js';
export type { ManifestObject } from './manifest-object.js';
export { MESH_LABEL } from './document-checks.js';
export { notYetSupportedKinds, supportedKinds } from './kinds.js';
export { NamespaceSchema } from './schema/namespace.js';
export { ServiceSchema } from './schema/service.js';
export { WorkloadSchema } from './schema/workload.js';
