/**
 * The control plane's side of the discovery API (proto/weft/v1/discovery.proto):
 * one stream per agent, each sent its node's scope of the current config as
 * incremental updates. `update` is the only input; each stream works out
 * what its agent lacks (node-stream.ts).
 *
 * Who may open a stream for which node is the authenticator's call
 * (control-plane/auth/node-authenticator.ts): with node authentication on, a
 * stream's first request must name the node its credential belongs to; a
 * stream whose credential is revoked later is ended. The gRPC server is
 * shared: the mesh CA's service is registered on it too (addService), and
 * it listens with TLS credentials when given them.
 */
import * as grpc from '@grpc/grpc-js';
import { DiscoveryProtocolError } from '../../api/api-errors.js';
import { ControlPlaneListenError } from './server-errors.js';
import { grpcCodeOf } from '../ca/ca-errors.js';
import { authorizedNode, NoNodeAuthenticator, type NodeAuthenticator, type NodeCredential } from '../auth/node-authenticator.js';
import { type Logger, logger } from '../../core/log.js';
import type { DiscoveryRequest__Output } from '../../proto/generated/weft/v1/DiscoveryRequest.js';
import type { MeshDiscoveryHandlers } from '../../proto/generated/weft/v1/MeshDiscovery.js';
import { dnsSubdomain } from '../../api/field-checks.js';
import { weftV1 } from '../../api/load-protos.js';
import { meshResources } from '../../api/mesh-resources.js';
import type { EncodedResource, ResourceRegistry } from '../../api/resource-registry.js';
import type { MeshConfig } from '../../model/types.js';
import { resourcesForNode } from './node-scope.js';
import { type ConnectedNode, type DiscoveryCall, NodeStream, type ServedConfig } from './node-stream.js';
import { defaultLimits, type DiscoveryServerLimits, grpcServerOptions } from './server-options.js';
import { removeStaleSocket } from './unix-socket.js';

export type { ConnectedNode } from './node-stream.js';

export interface DiscoveryServerOptions {
  log?: Logger;
  registry?: ResourceRegistry;
  limits?: Partial<DiscoveryServerLimits>;
  /** Checks each stream's node credential; default: none (the claimed node is believed). */
  auth?: NodeAuthenticator;
}

export class DiscoveryServer {
  readonly #log: Logger;
  readonly #registry: ResourceRegistry;
  readonly #server: grpc.Server;
  /** The current stream of each node: a newer stream from the same node replaces it. */
  readonly #streams = new Map<string, NodeStream>();
  readonly #auth: NodeAuthenticator;
  readonly #credentials = new WeakMap<NodeStream, NodeCredential>();
  readonly #offRevoked: (() => void) | undefined;
  #served: ServedConfig | undefined;
  #address: string | undefined;
  #closed = false;

  constructor(options: DiscoveryServerOptions = {}) {
    this.#log = options.log ?? logger('discovery');
    this.#registry = options.registry ?? meshResources();
    this.#server = new grpc.Server(grpcServerOptions({ ...defaultLimits, ...options.limits }));
    const handlers: MeshDiscoveryHandlers = { Stream: (call) => this.#accept(call) };
    this.#server.addService(weftV1().MeshDiscovery.service, handlers);
    this.#auth = options.auth ?? new NoNodeAuthenticator();
    this.#offRevoked = this.#auth.onRevoked?.((ids) => this.#endRevoked(new Set(ids)));
  }

  /** Another service on the same server and port (the mesh CA's); before listen(). */
  addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.#server.addService(service, implementation);
  }

  /**
   * `unix:/path` or `host:port` (port 0 picks one); resolves to the address
   * bound. Plaintext unless `tls` credentials are given.
   */
  async listen(address: string, tls?: grpc.ServerCredentials): Promise<string> {
    const credentials = tls ?? grpc.ServerCredentials.createInsecure();
    if (address.startsWith('unix:')) await removeStaleSocket(address.replace(/^unix:(\/\/)?/, ''));
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(address, credentials, (error, bound) => {
        if (error) reject(new ControlPlaneListenError(address, `cannot listen on ${address}: ${error.message}`, { cause: error }));
        else resolve(bound);
      });
    });
    this.#address = address.startsWith('unix:') ? address : `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
    this.#log.info({ address: this.#address, tls: tls !== undefined, nodeAuth: this.#auth.mode }, 'discovery server listening');
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
    this.#offRevoked?.();
    for (const stream of this.#streams.values()) stream.end(grpc.status.UNAVAILABLE, 'control plane shutting down');
    this.#streams.clear();
    // Streams never finish by themselves: a graceful tryShutdown would wait forever.
    this.#server.forceShutdown();
    this.#log.info({ address: this.#address }, 'discovery server closed');
  }

  #accept(call: DiscoveryCall): void {
    let stream: NodeStream | undefined;
    let opening = false;
    let over = false;
    const peer = call.getPeer();
    // Started at once, awaited on the first request: the credential is in the call's metadata.
    const authenticated = this.#auth.authenticate(call.metadata);
    authenticated.catch(() => {});
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
    const refuse = (error: unknown, claimedNode: string | undefined) => {
      const message = error instanceof Error ? error.message : String(error);
      const code = grpcCodeOf(error);
      // A CA/auth error carries its own status; anything else a request caused is the agent's mistake.
      const status = code === grpc.status.INTERNAL ? grpc.status.INVALID_ARGUMENT : code;
      const what = status === grpc.status.INVALID_ARGUMENT ? 'bad request' : 'refused';
      this.#log.warn({ peer, node: stream?.node.name ?? claimedNode, code: grpc.status[status], err: error }, `discovery stream ended: ${what}`);
      finished(what);
      call.emit('error', { code: status, details: message });
    };
    call.on('data', (request: DiscoveryRequest__Output) => {
      if (stream) {
        try {
          stream.onRequest(request);
        } catch (error) {
          refuse(error, undefined);
        }
        return;
      }
      if (call.cancelled) return;
      if (opening) return refuse(new DiscoveryProtocolError('a second request arrived before the stream was opened'), request.node?.name);
      opening = true;
      authenticated
        .then((credential) => {
          if (!call.cancelled && !over) stream = this.#open(call, request, peer, credential);
        })
        .catch((error) => refuse(error, request.node?.name));
    });
    call.on('end', () => {
      // The agent half-closed: it will send no more ACKs, so the stream is over.
      over = true;
      finished('agent closed the stream');
      call.end();
    });
    call.on('cancelled', () => {
      over = true;
      finished('cancelled (connection lost or agent gone)');
    });
    call.on('error', (error) => this.#log.debug({ peer, err: error }, 'discovery stream error'));
    call.on('close', () => {
      over = true;
      finished('stream closed');
    });
  }

  /** Streams opened with a credential that is no longer valid end now; their agents reconnect and must authenticate again. */
  #endRevoked(ids: ReadonlySet<string>): void {
    for (const stream of [...this.#streams.values()]) {
      const credential = this.#credentials.get(stream);
      if (!credential || !ids.has(credential.id)) continue;
      stream.log.warn({ credential: credential.description }, 'node credential revoked; ending its discovery stream');
      stream.end(grpc.status.UNAUTHENTICATED, `the node credential (${credential.description}) was revoked`);
    }
  }

  #open(call: DiscoveryCall, request: DiscoveryRequest__Output, peer: string, credential: NodeCredential): NodeStream {
    const node = request.node;
    if (!node || !node.name) throw new DiscoveryProtocolError('the first request of a stream must carry node.name');
    dnsSubdomain(node.name, 'node.name');
    authorizedNode(credential, node.name);
    if (this.#closed) throw new DiscoveryProtocolError('the control plane is shutting down');

    const log = this.#log.child({ node: node.name });
    const previous = this.#streams.get(node.name);
    if (previous) {
      log.warn({ peer, previousPeer: previous.call.getPeer() }, 'a new stream from this node replaces its previous one');
      previous.end(grpc.status.ABORTED, `replaced by a newer stream from node ${node.name}`);
    }
    const stream = new NodeStream(call, node, request.initialResourceVersions, () => this.#served, log);
    this.#streams.set(node.name, stream);
    this.#credentials.set(stream, credential);
    log.info(
      { peer, credential: credential.description, ip: node.ip, agentVersion: node.agentVersion, initialResources: Object.keys(request.initialResourceVersions).length },
      'agent connected',
    );
    stream.push();
    return stream;
  }
}
