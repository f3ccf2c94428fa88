/**
 * One agent's discovery stream, after its first request named the node: what
 * the agent holds, what is in flight, and what to send next.
 *
 * At most one response is in flight. The next is computed when it is ACKed or
 * NACKed, against what the agent then holds, so a burst of updates reaches a
 * slow agent as one response and a NACK is always about a known response.
 * A resource version the agent rejected is not sent again on this stream; a
 * new version of it is (the control plane may have fixed it).
 */
import type * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest__Output } from '../../proto/generated/weft/v1/DiscoveryRequest.js';
import type { DiscoveryResponse } from '../../proto/generated/weft/v1/DiscoveryResponse.js';
import type { Node__Output } from '../../proto/generated/weft/v1/Node.js';
import type { Logger } from '../../core/log.js';
import type { EncodedResource } from '../../api/resource-registry.js';

export type DiscoveryCall = grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponse>;

/** What the server currently serves; `resourcesFor` is the node's scope, computed once per version. */
export interface ServedConfig {
  version: string;
  resourcesFor(node: string): ReadonlyMap<string, EncodedResource>;
}

interface InFlight {
  nonce: string;
  version: string;
  resources: Map<string, string>;
  removed: string[];
}

export interface ConnectedNode {
  name: string;
  ip: string;
  agentVersion: string;
  peer: string;
  connectedSince: Date;
  /** The last system version the agent ACKed in full; undefined until its first ACK. */
  ackedVersion: string | undefined;
  /** The last system version sent, ACKed or not. */
  sentVersion: string | undefined;
  /** Resources whose current version the agent rejected. */
  rejected: string[];
}

let streamIds = 0;

export class NodeStream {
  readonly connectedSince = new Date();
  readonly #id = (++streamIds).toString(36);
  readonly #held: Map<string, string>;
  readonly #rejected = new Map<string, string>();
  #inFlight: InFlight | undefined;
  #sentVersion: string | undefined;
  #ackedVersion: string | undefined;
  #responses = 0;
  #ended = false;

  constructor(
    readonly call: DiscoveryCall,
    readonly node: Node__Output,
    initialVersions: Record<string, string>,
    readonly served: () => ServedConfig | undefined,
    readonly log: Logger,
  ) {
    this.#held = new Map(Object.entries(initialVersions));
  }

  get ended(): boolean {
    return this.#ended || this.call.cancelled;
  }

  /** Sends what the agent lacks of the current config, unless a response is in flight (then after it). */
  push(): void {
    if (this.ended || this.#inFlight) return;
    const served = this.served();
    if (!served) return;
    const desired = served.resourcesFor(this.node.name);

    // A rejection is about one version: once the control plane serves another, it no longer stands.
    for (const [name, version] of this.#rejected) if (desired.get(name)?.version !== version) this.#rejected.delete(name);
    const resources: EncodedResource[] = [];
    for (const [name, encoded] of desired) {
      if (this.#held.get(name) !== encoded.version && this.#rejected.get(name) !== encoded.version) resources.push(encoded);
    }
    const removed = [...this.#held.keys()].filter((name) => !desired.has(name));
    // An empty response still carries a new version: ACKs then show every agent converged on it.
    if (resources.length === 0 && removed.length === 0 && this.#sentVersion === served.version) return;

    const nonce = `${this.#id}-${++this.#responses}`;
    this.#inFlight = {
      nonce,
      version: served.version,
      resources: new Map(resources.map(({ name, version }) => [name, version])),
      removed,
    };
    this.#sentVersion = served.version;
    this.call.write({
      systemVersionInfo: served.version,
      nonce,
      resources: resources.map(({ resource }) => resource),
      removedResources: removed,
    });
    this.log.debug({ nonce, version: served.version, resources: resources.length, removed: removed.length }, 'sent resources');
  }

  /** A request after the first: an ACK or NACK of the response in flight. */
  onRequest(request: DiscoveryRequest__Output): void {
    const inFlight = this.#inFlight;
    if (!inFlight || request.responseNonce !== inFlight.nonce) {
      // A late answer to a response this stream no longer waits for; what it says is already superseded.
      this.log.debug({ nonce: request.responseNonce, expected: inFlight?.nonce }, 'ignored a request with a stale nonce');
      return;
    }
    this.#inFlight = undefined;
    const detail = request.errorDetail;
    const rejected = new Set(detail ? detail.resourceErrors.map((error) => error.name) : []);
    const rejectsAll = detail !== null && rejected.size === 0;
    for (const [name, version] of inFlight.resources) {
      if (rejectsAll || rejected.has(name)) this.#rejected.set(name, version);
      else {
        this.#held.set(name, version);
        this.#rejected.delete(name);
      }
    }
    for (const name of inFlight.removed) this.#held.delete(name);

    if (detail) {
      this.log.warn(
        {
          nonce: inFlight.nonce,
          version: inFlight.version,
          error: { code: detail.code, message: detail.message },
          resourceErrors: detail.resourceErrors.map(({ name, message }) => ({ name, message })),
        },
        'agent rejected resources (NACK); it keeps its previous version of them',
      );
    } else {
      this.#ackedVersion = inFlight.version;
      this.log.debug({ nonce: inFlight.nonce, version: inFlight.version }, 'agent acknowledged');
    }
    this.push();
  }

  /** Ends the stream with a status the agent sees (it reconnects on any end). */
  end(code: grpc.status, details: string): void {
    if (this.ended) return;
    this.#ended = true;
    this.call.emit('error', { code, details });
  }

  markEnded(): void {
    this.#ended = true;
  }

  info(): ConnectedNode {
    return {
      name: this.node.name,
      ip: this.node.ip,
      agentVersion: this.node.agentVersion,
      peer: this.call.getPeer(),
      connectedSince: this.connectedSince,
      ackedVersion: this.#ackedVersion,
      sentVersion: this.#sentVersion,
      rejected: [...this.#rejected.keys()],
    };
  }
}
