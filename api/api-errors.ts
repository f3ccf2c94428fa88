/** Failures of the agent <-> control-plane API (the registry, the codecs, the discovery stream), each with its stable code. */
import { WeftError } from '../core/errors.js';

/** A resource from the control plane that the agent cannot turn into a valid model object; it is NACKed. */
export class ResourceRejectedError extends WeftError {
  constructor(readonly resourceName: string, message: string) {
    super('WEFT_ERR_RESOURCE_REJECTED', message);
  }
}

/** Two resource kinds claim the same name, oneof field or MeshConfig array: a wiring bug. */
export class ResourceRegistryError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_RESOURCE_REGISTRY', message);
  }
}

/** A discovery stream broke the protocol (say, no node on its first request); the stream is ended. */
export class DiscoveryProtocolError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_DISCOVERY_PROTOCOL', message);
  }
}
