/**
 * The agent's side of the discovery API: one stream to the control plane,
 * kept open. Each response updates the resource store (bad resources keep
 * their last good version and are NACKed by name), is announced as a full
 * MeshConfig on 'config', then ACKed. Any end of the stream leads to a
 * reconnect after a capped, jittered backoff, announcing what the agent holds
 * so only differences come back. The last good config stays in force
 * throughout: the client never clears it.
 *
 * Events (all synchronous, in this order per response):
 * - 'config' (update: ConfigUpdate): the resource set changed, or the first response arrived;
 * - 'rejected' (errors: ResourceError[], version): resources this response could not apply;
 * - 'state' (state: XdsState, previous: XdsState): connecting -> connected on the first
 *   response of a stream; -> disconnected when it ends; -> connecting when the next attempt starts;
 * - 'response' (info: ResponseInfo): every response, after it was answered (logs, tests).
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { weftV1 } from '../../api/load-protos.js';
import { meshResources } from '../../api/mesh-resources.js';
import type { ResourceRegistry } from '../../api/resource-registry.js';
import type { MeshConfig } from '../../model/types.js';
import type { DiscoveryRequest } from '../../proto/generated/weft/v1/DiscoveryRequest.js';
import type { DiscoveryResponse__Output } from '../../proto/generated/weft/v1/DiscoveryResponse.js';
import type { MeshDiscoveryClient } from '../../proto/generated/weft/v1/MeshDiscovery.js';
import type { ControlPlaneChannel } from '../identity/control-plane-channel.js';
import type { Logger } from '../../core/log.js';
import { installRoot } from '../../core/paths.js';
import { Backoff, type BackoffOptions } from '../../core/backoff.js';
import { type ResourceError, ResourceStore } from './resource-store.js';

export type { ResourceError } from './resource-store.js';

export type XdsState = 'connecting' | 'connected' | 'disconnected';

export interface ConfigUpdate {
  config: MeshConfig;
  /** The control plane's system version this config is at (less any rejected resources). */
  version: string;
  changed: string[];
  removed: string[];
}

export interface ResponseInfo {
  nonce: string;
  version: string;
  /** Names as received, rejected ones included. */
  resources: string[];
  removed: string[];
  rejected: ResourceError[];
}

export interface XdsClientEvents {
  config: [update: ConfigUpdate];
  rejected: [errors: ResourceError[], version: string];
  state: [state: XdsState, previous: XdsState];
  response: [info: ResponseInfo];
}

export interface XdsClientOptions {
  /** `unix:/path` or `host:port`. */
  address: string;
  node: { name: string; ip: string };
  log: Logger;
  agentVersion?: string;
  registry?: ResourceRegistry;
  backoff?: BackoffOptions;
  /** Pings find a control plane that vanished without closing the connection. */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** A full sync of a big mesh is one message. */
  maxReceiveMessageBytes?: number;
  /** TLS and the node credential (agent/identity/control-plane-channel.ts); default: plaintext, no credential. */
  channel?: Pick<ControlPlaneChannel, 'credentials' | 'channelOptions' | 'metadata'>;
}

/** google.rpc.Code INVALID_ARGUMENT: what a NACK of bad resources carries. */
const INVALID_ARGUMENT = 3;

function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(installRoot, 'package.json'), 'utf8')).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

interface Attempt {
  client: MeshDiscoveryClient;
  call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>;
  synced: boolean;
  done: boolean;
}

export class XdsClient extends EventEmitter<XdsClientEvents> {
  readonly #options: XdsClientOptions;
  readonly #log: Logger;
  readonly #store: ResourceStore;
  readonly #backoff: Backoff;
  readonly #agentVersion: string;
  #state: XdsState = 'disconnected';
  #version: string | undefined;
  #config: MeshConfig | undefined;
  #attempt: Attempt | undefined;
  #retry: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;

  constructor(options: XdsClientOptions) {
    super();
    this.#options = options;
    this.#log = options.log;
    this.#store = new ResourceStore(options.registry ?? meshResources());
    this.#backoff = new Backoff(options.backoff);
    this.#agentVersion = options.agentVersion ?? packageVersion();
  }

  get state(): XdsState {
    return this.#state;
  }

  /** The system version of the config in force; undefined before the first response. */
  get version(): string | undefined {
    return this.#version;
  }

  /** The last good config; undefined before the first response. */
  get config(): MeshConfig | undefined {
    return this.#config;
  }

  /** Names and versions of the resources held, as a reconnect announces them. */
  resourceVersions(): Record<string, string> {
    return this.#store.versions();
  }

  onState(listener: (state: XdsState, previous: XdsState) => void): () => void {
    this.on('state', listener);
    return () => this.off('state', listener);
  }

  onConfig(listener: (update: ConfigUpdate) => void): () => void {
    this.on('config', listener);
    return () => this.off('config', listener);
  }

  start(): this {
    if (this.#started || this.#closed) return this;
    this.#started = true;
    this.#connect();
    return this;
  }

  /** Stops for good: cancels the stream and any pending reconnect. The last config stays readable. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    const attempt = this.#attempt;
    if (attempt) {
      attempt.done = true;
      attempt.call.cancel();
      attempt.client.close();
    }
    this.#setState('disconnected');
  }

  #connect(): void {
    if (this.#closed) return;
    this.#setState('connecting');
    let metadata: grpc.Metadata;
    try {
      metadata = this.#options.channel?.metadata() ?? new grpc.Metadata();
    } catch (error) {
      // No credential to present (say, the token file is missing): try again later, as after a failed stream.
      const delayMs = this.#backoff.next();
      this.#log.error({ err: error, delayMs }, 'cannot open the discovery stream: no node credential');
      this.#setState('disconnected');
      this.#retry = setTimeout(() => this.#connect(), delayMs);
      return;
    }
    const client = new (weftV1().MeshDiscovery)(this.#options.address, this.#options.channel?.credentials ?? grpc.credentials.createInsecure(), {
      ...this.#options.channel?.channelOptions,
      'grpc.keepalive_time_ms': this.#options.keepaliveTimeMs ?? 20_000,
      'grpc.keepalive_timeout_ms': this.#options.keepaliveTimeoutMs ?? 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': this.#options.maxReceiveMessageBytes ?? 64 * 1024 * 1024,
      // A channel per attempt, with its own subchannel: our backoff is the only one, not
      // grpc-js's reconnect backoff (up to 2 minutes) on a subchannel shared across channels.
      'grpc.use_local_subchannel_pool': 1,
    });
    const call = client.Stream(metadata);
    const attempt: Attempt = { client, call, synced: false, done: false };
    this.#attempt = attempt;
    call.on('data', (response: DiscoveryResponse__Output) => this.#onResponse(attempt, response));
    call.on('error', (error: grpc.ServiceError) => this.#onEnd(attempt, error.code, error.details));
    call.on('status', (status: grpc.StatusObject) => this.#onEnd(attempt, status.code, status.details));
    call.on('end', () => this.#onEnd(attempt, grpc.status.OK, 'the control plane ended the stream'));

    const initialResourceVersions = this.#store.versions();
    call.write({
      node: { name: this.#options.node.name, ip: this.#options.node.ip, agentVersion: this.#agentVersion },
      initialResourceVersions,
    });
    this.#log.debug({ address: this.#options.address, held: Object.keys(initialResourceVersions).length }, 'opening discovery stream');
  }

  #onResponse(attempt: Attempt, response: DiscoveryResponse__Output): void {
    if (attempt.done) return;
    const { changed, removed, rejected } = this.#store.apply(response);
    this.#version = response.systemVersionInfo;
    if (!this.#config || changed.length > 0 || removed.length > 0) {
      this.#config = this.#store.config();
      this.#emitSafely('config', { config: this.#config, version: response.systemVersionInfo, changed, removed });
    }

    const answer: DiscoveryRequest = { responseNonce: response.nonce };
    if (rejected.length > 0) {
      answer.errorDetail = {
        code: INVALID_ARGUMENT,
        message: `${rejected.length} of ${response.resources.length} resources rejected; their previous versions stay in force`,
        resourceErrors: rejected,
      };
      this.#log.warn({ version: response.systemVersionInfo, rejected }, 'rejected resources from the control plane (NACK)');
    }
    attempt.call.write(answer);
    if (rejected.length > 0) this.#emitSafely('rejected', rejected, response.systemVersionInfo);

    if (!attempt.synced) {
      attempt.synced = true;
      this.#setState('connected');
      this.#log.info({ address: this.#options.address, version: response.systemVersionInfo }, 'synced with the control plane');
    }
    this.#emitSafely('response', {
      nonce: response.nonce,
      version: response.systemVersionInfo,
      resources: response.resources.map((resource) => resource.name),
      removed: response.removedResources,
      rejected,
    });
  }

  #onEnd(attempt: Attempt, code: grpc.status, details: string): void {
    if (attempt.done) return;
    attempt.done = true;
    attempt.call.cancel();
    attempt.client.close();
    if (this.#closed) return;
    // A stream that synced was healthy: the next failure starts the backoff from the base again.
    if (attempt.synced) this.#backoff.reset();
    const delayMs = this.#backoff.next();
    // Refused credentials will not fix themselves on retry: an operator must see them.
    const refused = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED;
    this.#log[refused ? 'error' : attempt.synced ? 'warn' : 'debug'](
      { code: grpc.status[code] ?? code, details, delayMs, version: this.#version },
      'discovery stream ended; keeping the last good config and reconnecting',
    );
    this.#setState('disconnected');
    this.#retry = setTimeout(() => this.#connect(), delayMs);
  }

  #setState(state: XdsState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emitSafely('state', state, previous);
  }

  /** A listener's exception is the agent's problem, not the stream's: it is logged and the protocol goes on. */
  #emitSafely<K extends keyof XdsClientEvents>(event: K, ...args: XdsClientEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: XdsClientEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, 'an xds client listener threw');
    }
  }
}
