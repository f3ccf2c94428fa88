/**
 * The kinds on the discovery stream, and the two conversions everything else
 * goes through: model object -> named, versioned Resource (control plane),
 * and Resource -> model object (agent), with the checks that decide an ACK or
 * a NACK. A kind is added by registering its ResourceKind; nothing else in
 * the stream, the scoping or the agent's store changes.
 */
import type { Resource } from '../proto/generated/weft/v1/Resource.js';
import type { Resource__Output } from '../proto/generated/weft/v1/Resource.js';
import { ResourceRegistryError, ResourceRejectedError } from './api-errors.js';
import type { MeshConfig } from '../model/types.js';
import { type ResourceKind, resourceName } from './resource-kind.js';
import { contentVersion } from './resource-version.js';

export interface EncodedResource {
  name: string;
  version: string;
  /** The wire form, body set through the kind's oneof field. */
  resource: Resource;
}

export interface DecodedResource {
  name: string;
  version: string;
  kind: ResourceKind;
  object: unknown;
}

export class ResourceRegistry {
  readonly #kinds: ResourceKind[] = [];
  readonly #byField = new Map<string, ResourceKind>();
  readonly #byKind = new Map<string, ResourceKind>();

  constructor(kinds: readonly ResourceKind<any, any, any>[] = []) {
    for (const kind of kinds) this.register(kind);
  }

  register(kind: ResourceKind<any, any, any>): this {
    for (const other of this.#kinds) {
      if (other.kind === kind.kind || other.field === kind.field || other.configKey === kind.configKey) {
        throw new ResourceRegistryError(
          `resource kind ${kind.kind} (field ${kind.field}, config ${kind.configKey}) clashes with ${other.kind} (field ${other.field}, config ${other.configKey})`,
        );
      }
    }
    this.#kinds.push(kind);
    this.#byField.set(kind.field, kind);
    this.#byKind.set(kind.kind, kind);
    return this;
  }

  kinds(): readonly ResourceKind[] {
    return this.#kinds;
  }

  /** The kind's objects in a config; a kind the config does not have yet reads as none. */
  objectsOf(config: MeshConfig, kind: ResourceKind): readonly unknown[] {
    return (config as unknown as Record<string, readonly unknown[] | undefined>)[kind.configKey] ?? [];
  }

  encode(kind: ResourceKind, object: unknown): EncodedResource {
    const body = kind.toProto(object as never);
    const name = resourceName(kind, kind.key(object as never));
    const version = contentVersion(body);
    return { name, version, resource: { name, version, [kind.field]: body } as Resource };
  }

  /** Throws ResourceRejectedError, whose message is what the agent's NACK says about this resource. */
  decode(resource: Resource__Output): DecodedResource {
    const { name, version } = resource;
    const reject = (message: string): never => {
      throw new ResourceRejectedError(name, message);
    };
    const field = (resource as unknown as { body?: string }).body;
    if (!field) reject('the resource has no body');
    const kind = this.#byField.get(field as string) ?? reject(`this agent does not know resource kind "${field}"`);
    const prefix = name.slice(0, name.indexOf('/'));
    if (prefix !== kind.kind) reject(`the name says ${prefix || 'no kind'} but the body is a ${kind.kind}`);
    let object: unknown;
    try {
      object = kind.fromProto((resource as unknown as Record<string, unknown>)[kind.field], name);
    } catch (error) {
      reject(`invalid ${kind.kind}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // The name is the store's key: one that disagrees with the body would let two names hold one object.
    const expected = resourceName(kind, kind.key(object as never));
    if (expected !== name) reject(`the body is ${expected}, not ${name}`);
    return { name, version, kind, object };
  }

  /**
   * A MeshConfig holding the objects given, each kind's array sorted by
   * resource name (arrival order says nothing), and an empty array for every
   * registered kind with none. Every MeshConfig array needs a registered
   * kind for the result to be a complete MeshConfig.
   */
  assemble(objects: Iterable<DecodedResource>): MeshConfig {
    const byKey = new Map<string, { name: string; object: unknown }[]>();
    for (const kind of this.#kinds) byKey.set(kind.configKey, []);
    for (const { name, kind, object } of objects) byKey.get(kind.configKey)?.push({ name, object });
    const config: Record<string, unknown[]> = {};
    for (const [key, list] of byKey) {
      config[key] = list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(({ object }) => object);
    }
    return config as unknown as MeshConfig;
  }
}
