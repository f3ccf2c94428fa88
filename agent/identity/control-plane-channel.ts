/**
 * How the agent reaches the control plane, for both the discovery stream
 * and the CA: the channel credentials and the per-call node credential.
 *
 * - A Unix socket stays plaintext: its file permissions say who may connect.
 * - `host:port` is TLS, verified against the mesh's roots (--control-plane-ca,
 *   the trust bundle the operator distributes; `weft token create
 *   --bundle-out` writes it). The name checked is --control-plane-server-name,
 *   by default the host dialled, or `weft-control-plane` when an IP is
 *   dialled (the control plane's certificate carries that name by default).
 * - With --token-file, every call carries `authorization: Bearer <token>`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ControlPlaneTlsError } from './identity-errors.js';
import { NodeTokenSource } from './node-token.js';

export const defaultControlPlaneServerName = 'weft-control-plane';

export interface ControlPlaneChannelOptions {
  /** `unix:/path` or `host:port` */
  address: string;
  /** PEM roots the control plane's certificate must chain to (required for host:port). */
  caFile?: string;
  /** Or the roots themselves (tests). */
  caPem?: string;
  /** The name its certificate must carry; see above for the default. */
  serverName?: string;
  /** The node credential, sent on every call. */
  tokenFile?: string;
}

function hostOf(address: string): string {
  const rest = address.replace(/^dns:(\/\/\/)?/, '');
  return rest.slice(0, rest.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

export class ControlPlaneChannel {
  readonly address: string;
  readonly tls: boolean;
  readonly #credentials: grpc.ChannelCredentials;
  readonly #channelOptions: grpc.ChannelOptions;
  readonly #token: NodeTokenSource | undefined;

  constructor(options: ControlPlaneChannelOptions) {
    this.address = options.address;
    this.tls = !options.address.startsWith('unix:');
    this.#token = options.tokenFile ? new NodeTokenSource(options.tokenFile) : undefined;
    if (!this.tls) {
      this.#credentials = grpc.credentials.createInsecure();
      this.#channelOptions = {};
      return;
    }
    let roots: Buffer;
    if (options.caPem !== undefined) {
      roots = Buffer.from(options.caPem);
    } else if (options.caFile) {
      try {
        roots = readFileSync(options.caFile);
      } catch (error) {
        throw new ControlPlaneTlsError(`cannot read the control plane's trust bundle ${options.caFile}: ${(error as Error).message}`, { cause: error });
      }
    } else {
      throw new ControlPlaneTlsError(`${options.address} is a TCP address, which is TLS: give the mesh's trust bundle with --control-plane-ca FILE (or use a unix: socket)`);
    }
    this.#credentials = grpc.credentials.createSsl(roots);
    const host = hostOf(options.address);
    const serverName = options.serverName ?? (isIP(host) ? defaultControlPlaneServerName : undefined);
    this.#channelOptions = serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {};
  }

  get credentials(): grpc.ChannelCredentials {
    return this.#credentials;
  }

  get channelOptions(): grpc.ChannelOptions {
    return this.#channelOptions;
  }

  /** Metadata for one call: the node credential when there is one. Throws NodeTokenFileError. */
  metadata(): grpc.Metadata {
    return this.#token ? this.#token.metadata() : new grpc.Metadata();
  }
}
