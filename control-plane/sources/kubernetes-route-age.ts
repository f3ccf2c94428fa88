/**
 * The API server's metadata.creationTimestamp onto the routes built from its
 * objects: of two routes that tie on every match criterion, the Gateway API
 * gives precedence to the older. The manifests the model is built from carry
 * only name, namespace and spec (kubernetes-map-object.ts), so the age is
 * added here, by the object each route was read from, and a manifest
 * directory's routes (file mode) never have one.
 */
import { creationTimestampProblem } from '../../model/creation-timestamp.js';
import type { MeshConfig } from '../../model/types.js';

/** `createdByFile`: MappedObject.file -> MappedObject.created. */
export function withRouteAges(config: MeshConfig, createdByFile: ReadonlyMap<string, string>): MeshConfig {
  const aged = <R extends { source: { file: string }; creationTimestamp?: string }>(route: R): R => {
    const created = createdByFile.get(route.source.file);
    // An object the API server has not stamped (a test's stand-in) or stamped oddly keeps no age.
    return created === undefined || creationTimestampProblem(created) ? route : { ...route, creationTimestamp: created };
  };
  return { ...config, httpRoutes: config.httpRoutes.map(aged), grpcRoutes: config.grpcRoutes.map(aged) };
}
