/**
 * One entry per kind of resource on the discovery stream: which MeshConfig
 * array holds it, which `Resource.body` oneof field carries it, its name,
 * and its codec (which nodes receive it is the control plane's
 * business: control-plane/server/scope-rules.ts). Kinds plug in through the registry
 * (resource-registry.ts), so the stream, the scoping and the agent's store
 * never name a kind.
 */
import type { MeshConfig } from '../model/types.js';

/** The MeshConfig fields that are arrays of objects: one per kind. */
export type ConfigKey = {
  [K in keyof MeshConfig]-?: MeshConfig[K] extends readonly unknown[] ? K : never;
}[keyof MeshConfig];

export type ModelOf<K extends ConfigKey> = MeshConfig[K] extends readonly (infer T)[] ? T : never;

export interface ResourceKind<K extends ConfigKey = ConfigKey, P = any, O = any> {
  /** First segment of resource names, and what messages call it: 'Service'. */
  readonly kind: string;
  /** The `Resource.body` oneof field that carries it, as proto-loader names it: 'service', 'httpRoute'. */
  readonly field: string;
  /** The MeshConfig array the agent's config holds it in. */
  readonly configKey: K;
  /** The name within the kind, usually `namespace/name`; the resource is `<kind>/<key>`. */
  key(object: ModelOf<K>): string;
  /** Deterministic: equal objects give equal protos (the version is a hash of this). */
  toProto(object: ModelOf<K>): P;
  /**
   * Decodes and validates what the agent received; throws (any Error, its
   * message is what the NACK says) when the body is not a valid object.
   */
  fromProto(body: O, name: string): ModelOf<K>;
}

export function resourceName(kind: Pick<ResourceKind, 'kind'>, key: string): string {
  return `${kind.kind}/${key}`;
}

/** Where a decoded object says it came from: the resource, since the manifest's file means nothing on the agent. */
export function resourceSource(name: string) {
  return { file: `xds:${name}`, document: 0 };
}
