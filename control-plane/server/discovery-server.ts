/**
 * The control plane's side of the discovery API (proto/weft/v1/discovery.proto):
 * one stream per agent, each sent its node's scope of the current config as
 * incremental updates. `update` is the only input; each stream works out
 * what its agent lacks (node-stream.ts).
 *
 * Insecure for now: the node name an agent claims is believed. Binding it to
 * the agent's certificate comes with the identity work (mTLS).
 */
import * as grpc from '@grpc/grpc-js';
import { ControlPlaneListenError, DiscoveryProtocolError } from '../../agent/errors.js';
import { type Logger, logger } from '../../agent/log.js';
import type { DiscoveryRequest__Output } from '../../proto/generated/weft/v1/DiscoveryRequest.js';
import type { MeshDiscoveryHandlers } from '../../proto/generated/weft/v1/MeshDiscovery.js';
import { dnsSubdomain } from '../api/field-checks.js';
import { weftV1 } from '../api/load-protos.js';
import { meshResources } from '../api/mesh-resources.js';
import type { EncodedResource, ResourceRegistry } from '../api/resource-registry.js';
import type { MeshConfig } from '../model/types.js';
import { resourcesForNode } from './node-scope.js';
import { type ConnectedNode, type DiscoveryCall, NodeStream, type ServedConfig } from './node-stream.js';
import { defaultLimits, type DiscoveryServerLimits, grpcServerOptions } from './server-options.js';
import { removeStaleSocket } from './unix-socket.js';

export type { ConnectedNode } from './node-stream.js';

export interface DiscoveryServerOptions {
  log?: Logger;
  registry?: ResourceRegistry;
  limits?: Partial<DiscoveryServerLimits>;
}

export class DiscoveryServer {
  readonly #log: Logger;
  readonly #registry: ResourceRegistry;
  readonly #server: grpc.Server;
  /** The current stream of each node: a newer stream from the same node replaces it. */
  readonly #streams = new Map<string, NodeStream>();
  #served: ServedConfig | undefined;
  #address: string | undefined;
  #closed = false;

  constructor(options: DiscoveryServerOptions = {}) {
    this.#log = options.log ?? logger('discovery');
    this.#registry = options.registry ?? meshResources();
    this.#server = new grpc.Server(grpcServerOptions({ ...defaultLimits, ...options.limits }));
    const handlers: MeshDiscoveryHandlers = { Stream: (call) => this.#accept(call) };
    this.#server.addService(weftV1().MeshDiscovery.service, handlers);
  }

  /** `unix:/path` or `host:port` (port 0 picks one); resolves to the address bound. */
  async listen(address: string): Promise<string> {
    if (address.startsWith('unix:')) await removeStaleSocket(address.replace(/^unix:(\/\/)?/, ''));
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error) reject(new ControlPlaneListenError(address, `cannot listen on ${address}: ${error.message}`, { cause: error }));
        else resolve(bound);
      });
    });
    this.#address = address.startsWith('unix:') ? address : `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
    this.#log.info({ address: this.#address }, 'discovery server listening');
    return this.#address;
  }

  get address(): string | undefined {
    return this.#address;
  }

  /**
   * Serves `config` as `version` from now on, and sends each connected agent
   * what changed in its scope. The config is kept and read later (a node's
   * scope is computed when first needed), so it must not be mutated after.
   */
  update(config: MeshConfig, version: string): void {
    const scopes = new Map<string, ReadonlyMap<string, EncodedResource>>();
    const encoded = new WeakMap<object, EncodedResource>();
    this.#served = {
      version,
      resourcesFor: (node) => {
        let scope = scopes.get(node);
        if (!scope) {
          scope = resourcesForNode(config, node, this.#registry, encoded);
          scopes.set(node, scope);
        }
        return scope;
      },
    };
    for (const stream of this.#streams.values()) stream.push();
  }

  connectedNodes(): ConnectedNode[] {
    return [...this.#streams.values()].map((stream) => stream.info());
  }

  /** Ends every stream (agents keep their config and reconnect elsewhere or later) and stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.end(grpc.status.UNAVAILABLE, 'control plane shutting down');
    this.#streams.clear();
    // Streams never finish by themselves: a graceful tryShutdown would wait forever.
    this.#server.forceShutdown();
    this.#log.info({ address: this.#address }, 'discovery server closed');
  }

  #accept(call: DiscoveryCall): void {
    let stream: NodeStream | undefined;
    const peer = call.getPeer();
    const finished = (reason: string) => {
      if (!stream) return;
      const ended = stream;
      stream = undefined;
      ended.markEnded();
      if (this.#streams.get(ended.node.name) === ended) this.#streams.delete(ended.node.name);
      ended.log.info(
        { reason, connectedMs: Date.now() - ended.connectedSince.getTime(), ackedVersion: ended.info().ackedVersion },
        'agent disconnected',
      );
    };
    call.on('data', (request: DiscoveryRequest__Output) => {
      try {
        if (stream) stream.onRequest(request);
        else if (!call.cancelled) stream = this.#open(call, request, peer);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.#log.warn({ peer, node: stream?.node.name, err: error }, 'discovery stream ended: bad request');
        finished('bad request');
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: message });
      }
    });
    call.on('end', () => {
      // The agent half-closed: it will send no more ACKs, so the stream is over.
      finished('agent closed the stream');
      call.end();
    });
    call.on('cancelled', () => finished('cancelled (connection lost or agent gone)'));
    call.on('error', (error) => this.#log.debug({ peer, err: error }, 'discovery stream error'));
    call.on('close', () => finished('stream closed'));
  }

  #open(call: DiscoveryCall, request: DiscoveryRequest__Output, peer: string): NodeStream {
    const node = request.node;
    if (!node || !node.name) throw new DiscoveryProtocolError('the first request of a stream must carry node.name');
    dnsSubdomain(node.name, 'node.name');
    if (this.#closed) throw new DiscoveryProtocolError('the control plane is shutting down');

    const log = this.#log.child({ node: node.name });
    const previous = this.#streams.get(node.name);
    if (previous) {
      log.warn({ peer, previousPeer: previous.call.getPeer() }, 'a new stream from this node replaces its previous one');
      previous.end(grpc.status.ABORTED, `replaced by a newer stream from node ${node.name}`);
    }
    const stream = new NodeStream(call, node, request.initialResourceVersions, () => this.#served, log);
    this.#streams.set(node.name, stream);
    log.info(
      { peer, ip: node.ip, agentVersion: node.agentVersion, initialResources: Object.keys(request.initialResourceVersions).length },
      'agent connected',
    );
    stream.push();
    return stream;
  }
}
