/**
 * The agent's client of the control plane's Certificates service, over the
 * same channel settings as the discovery stream (TLS on TCP, the node
 * credential on every call). Each call has a deadline; failures come back
 * as CaRequestError carrying the gRPC status.
 */
import * as grpc from '@grpc/grpc-js';
import { certificatesV1 } from '../../api/certificates-proto.js';
import type { CertificatesClient } from '../../proto/generated/weft/v1/Certificates.js';
import type { CreateCertificateResponse__Output } from '../../proto/generated/weft/v1/CreateCertificateResponse.js';
import type { GetTrustBundleResponse__Output } from '../../proto/generated/weft/v1/GetTrustBundleResponse.js';
import type { ControlPlaneChannel } from './control-plane-channel.js';
import type { WorkloadIdentity } from '../../core/spiffe-id.js';
import { CaRequestError } from './identity-errors.js';

export interface IssuedChain {
  /** The leaf first, then intermediates; one PEM certificate each. */
  certChainPem: string[];
  trustBundlePem: string;
}

export interface TrustBundle {
  trustBundlePem: string;
  trustDomain: string;
}

/** What the identity manager needs of a CA; the gRPC client in production, fakes in tests. */
export interface CertificateIssuer {
  createCertificate(csrPem: string, identity: WorkloadIdentity): Promise<IssuedChain>;
  trustBundle(): Promise<TrustBundle>;
}

export interface CaClientOptions {
  channel: Pick<ControlPlaneChannel, 'address' | 'credentials' | 'channelOptions' | 'metadata'>;
  node: string;
  /** Per call (default 10 s). */
  timeoutMs?: number;
}

/** How long, at most, a reconnect to the CA waits after the last attempt failed. */
export const caReconnectCapMs = 5_000;

function failure(what: string, error: grpc.ServiceError | Error): CaRequestError {
  const code = 'code' in error && typeof error.code === 'number' ? error.code : grpc.status.UNKNOWN;
  const details = 'details' in error && typeof error.details === 'string' && error.details ? error.details : error.message;
  return new CaRequestError(code, `${what}: ${grpc.status[code] ?? code}: ${details}`, { cause: error });
}

export class CaClient implements CertificateIssuer {
  readonly #client: CertificatesClient;
  readonly #options: CaClientOptions;

  constructor(options: CaClientOptions) {
    this.#options = options;
    this.#client = new (certificatesV1().Certificates)(options.channel.address, options.channel.credentials, {
      ...options.channel.channelOptions,
      // grpc-js backs off reconnects up to 2 minutes: after a control-plane outage that long
      // would keep a node without certificates (so refusing every cross-node connection)
      // well after the CA is back. A few seconds is cheap: one channel per agent.
      'grpc.max_reconnect_backoff_ms': caReconnectCapMs,
    });
  }

  createCertificate(csrPem: string, identity: WorkloadIdentity): Promise<IssuedChain> {
    const request = { csrPem, namespace: identity.namespace, serviceAccount: identity.serviceAccount, node: this.#options.node };
    return this.#unary<CreateCertificateResponse__Output>('CreateCertificate', (metadata, options, callback) => this.#client.CreateCertificate(request, metadata, options, callback)).then(
      (response) => ({ certChainPem: response.certChainPem, trustBundlePem: response.trustBundlePem }),
    );
  }

  trustBundle(): Promise<TrustBundle> {
    return this.#unary<GetTrustBundleResponse__Output>('GetTrustBundle', (metadata, options, callback) => this.#client.GetTrustBundle({}, metadata, options, callback));
  }

  close(): void {
    this.#client.close();
  }

  #unary<T>(what: string, call: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<T>) => unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      let metadata: grpc.Metadata;
      try {
        metadata = this.#options.channel.metadata();
      } catch (error) {
        reject(error);
        return;
      }
      const deadline = new Date(Date.now() + (this.#options.timeoutMs ?? 10_000));
      call(metadata, { deadline }, (error, response) => {
        if (error) reject(failure(what, error));
        else if (!response) reject(new CaRequestError(grpc.status.INTERNAL, `${what}: empty response`));
        else resolve(response);
      });
    });
  }
}
