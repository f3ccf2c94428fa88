/**
 * The weft.v1.Certificates service (proto/weft/v1/certificates.proto):
 * authenticate the node, authorize the identity against the served config,
 * check the CSR, sign. Every refusal is logged at warn with who asked (the
 * node and its credential) and what for (the SPIFFE ID).
 */
import * as grpc from '@grpc/grpc-js';
import { parseSpiffeId, spiffeId } from '../../core/spiffe-id.js';
import type { Logger } from '../../core/log.js';
import type { CertificatesHandlers } from '../../proto/generated/weft/v1/Certificates.js';
import type { CreateCertificateRequest__Output } from '../../proto/generated/weft/v1/CreateCertificateRequest.js';
import type { CreateCertificateResponse } from '../../proto/generated/weft/v1/CreateCertificateResponse.js';
import type { MeshConfig } from '../../model/types.js';
import { CertificateDeniedError, grpcCodeOf } from './ca-errors.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { authorizedNode, type NodeAuthenticator, type NodeCredential } from '../auth/node-authenticator.js';
import { authorizeIdentity } from './workload-authorization.js';
import { workloadCsrKey } from './workload-csr.js';

export interface CertificatesServiceOptions {
  ca: CertificateAuthority;
  auth: NodeAuthenticator;
  /** The config the control plane serves right now; undefined before the first one. */
  config: () => MeshConfig | undefined;
  log: Logger;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SpiffeIdError and the like are the caller's mistake; anything without a gRPC code of its own is. */
function statusOf(error: unknown): grpc.status {
  const code = grpcCodeOf(error);
  if (code !== grpc.status.INTERNAL) return code;
  return (error as { code?: string })?.code === 'WEFT_ERR_SPIFFE_ID' ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL;
}

export function certificatesHandlers(options: CertificatesServiceOptions): CertificatesHandlers {
  const { ca, auth, log } = options;

  async function createCertificate(call: grpc.ServerUnaryCall<CreateCertificateRequest__Output, CreateCertificateResponse>): Promise<CreateCertificateResponse> {
    const request = call.request;
    const peer = call.getPeer();
    let credential: NodeCredential | undefined;
    let node: string | undefined;
    const requested = spiffeId({ trustDomain: ca.trustDomain, namespace: request.namespace, serviceAccount: request.serviceAccount });
    try {
      credential = await auth.authenticate(call.metadata);
      node = authorizedNode(credential, request.node || undefined);
      parseSpiffeId(requested, ca.trustDomain);
      const config = options.config();
      if (!config) throw Object.assign(new Error('the control plane has no config yet'), { grpcCode: grpc.status.UNAVAILABLE });
      const decision = authorizeIdentity(config, node, request.namespace, request.serviceAccount);
      if (!decision.allowed) {
        log.warn(
          { node, credential: credential.description, peer, requested, runsOn: decision.runsOn },
          `certificate refused: node ${node} asked for ${requested}, ${decision.runsOn.length > 0 ? `which runs on ${decision.runsOn.join(', ')}` : 'which no meshed workload has'}`,
        );
        throw new CertificateDeniedError(`node ${node} runs no meshed workload with service account ${request.namespace}/${request.serviceAccount}`);
      }
      const publicKey = await workloadCsrKey(request.csrPem);
      const issued = await ca.signWorkload(publicKey, { namespace: request.namespace, serviceAccount: request.serviceAccount });
      log.info({ node, identity: requested, serial: issued.serial, notAfter: issued.notAfter.toISOString() }, 'certificate issued');
      return { certChainPem: issued.certChainPem, trustBundlePem: ca.trustBundlePem };
    } catch (error) {
      if (!(error instanceof CertificateDeniedError)) {
        log.warn({ node, claimedNode: request.node || undefined, credential: credential?.description, peer, requested, err: error }, `certificate refused: ${messageOf(error)}`);
      }
      throw error;
    }
  }

  return {
    CreateCertificate: (call, callback) => {
      createCertificate(call).then(
        (response) => callback(null, response),
        (error) => callback({ code: statusOf(error), details: messageOf(error) }),
      );
    },
    GetTrustBundle: (call, callback) => {
      auth.authenticate(call.metadata).then(
        () => callback(null, { trustBundlePem: ca.trustBundlePem, trustDomain: ca.trustDomain }),
        (error) => {
          log.warn({ peer: call.getPeer(), err: error }, `trust bundle refused: ${messageOf(error)}`);
          callback({ code: statusOf(error), details: messageOf(error) });
        },
      );
    },
  };
}
