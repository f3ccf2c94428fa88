/**
 * The mesh CA's failures (control-plane/ca/), each with a stable code. The
 * gRPC status an error maps to travels with it, so the service turns any of
 * them into the right status without a table of its own.
 */
import { status } from '@grpc/grpc-js';
import { WeftError } from '../../core/errors.js';

/** The CA's certificate or key cannot be read, parsed or trusted (operator-provided or stored). */
export class CaMaterialError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CA_MATERIAL', message, options);
  }
}

/** A CSR the CA will not sign whatever it asks for: unparsable, not P-256, or its signature does not verify. */
export class CsrRejectedError extends WeftError {
  readonly grpcCode = status.INVALID_ARGUMENT;
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CSR_REJECTED', message, options);
  }
}

/** The asking node runs no meshed workload of the identity it asked a certificate for. */
export class CertificateDeniedError extends WeftError {
  readonly grpcCode = status.PERMISSION_DENIED;
  constructor(message: string) {
    super('WEFT_ERR_CERTIFICATE_DENIED', message);
  }
}

/** A caller without a valid node credential (UNAUTHENTICATED), or one claiming another node's name (PERMISSION_DENIED). */
export class NodeAuthError extends WeftError {
  constructor(readonly grpcCode: status.UNAUTHENTICATED | status.PERMISSION_DENIED, message: string) {
    super('WEFT_ERR_NODE_AUTH', message);
  }
}

/** The node token file cannot be read or written. */
export class NodeTokenStoreError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_NODE_TOKENS', message, options);
  }
}

/** A Kubernetes API call of the CA (its Secret, a TokenReview) failed; to an agent that is the CA being unavailable. */
export class CaKubernetesError extends WeftError {
  readonly grpcCode = status.UNAVAILABLE;
  constructor(message: string, readonly statusCode?: number, options?: { cause?: unknown }) {
    super('WEFT_ERR_CA_KUBERNETES', message, options);
  }
}

/** What gRPC status a CA-side failure is answered with; anything unexpected is INTERNAL. */
export function grpcCodeOf(error: unknown): status {
  if (error && typeof error === 'object' && 'grpcCode' in error && typeof error.grpcCode === 'number') return error.grpcCode;
  return status.INTERNAL;
}
