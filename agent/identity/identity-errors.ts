/**
 * The identity manager's failures (agent/identity/), each with a stable code.
 * A caller of CertificateProvider.credential() sees NoCredentialError and
 * nothing else: whatever went wrong is its `cause`.
 */
import { WeftError } from '../../core/errors.js';

/** No valid certificate can be had for an identity right now (fail closed: nothing expired is handed out). */
export class NoCredentialError extends WeftError {
  constructor(readonly identity: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_NO_CREDENTIAL', message, options);
  }
}

/** A call to the control plane's Certificates service failed; `grpcCode` says how. */
export class CaRequestError extends WeftError {
  constructor(readonly grpcCode: number, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CA_REQUEST', message, options);
  }
}

/** The CA answered with a certificate that is not for our key, our identity, or our trust bundle. */
export class IssuedCertificateError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_ISSUED_CERTIFICATE', message, options);
  }
}

/** The node token file (--token-file) cannot be read, or is empty. */
export class NodeTokenFileError extends WeftError {
  constructor(readonly file: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_NODE_TOKEN_FILE', message, options);
  }
}

/** The agent cannot set up TLS to the control plane (no --control-plane-ca for a TCP address, an unreadable bundle). */
export class ControlPlaneTlsError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CONTROL_PLANE_TLS', message, options);
  }
}
