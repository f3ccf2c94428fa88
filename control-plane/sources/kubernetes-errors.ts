/** The Kubernetes source's failures (control-plane/sources/kubernetes-*.ts), each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** No usable kubeconfig, or the API server could not be listed from in time. */
export class KubernetesSourceError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_KUBERNETES', message, options);
  }
}

/**
 * The API server answered with a failure: an HTTP status, or a watch ERROR
 * event, with what its v1 Status said. `statusCode` is named as on
 * client-node's own errors, which is what its ListWatch looks at to tell a
 * 410 Gone (relist) from any other failure.
 */
export class KubernetesApiError extends WeftError {
  constructor(readonly statusCode: number, readonly reason: string, message: string) {
    super('WEFT_ERR_KUBERNETES_API', `${statusCode} ${reason}: ${message}`);
  }

  /** From a v1 Status (an object, or the JSON text client-node leaves in ApiException.body), or whatever came instead. */
  static fromStatus(httpStatus: number, body: unknown): KubernetesApiError {
    let parsed = body;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: the text itself is the message
      }
    }
    const status = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as { code?: unknown; reason?: unknown; message?: unknown };
    return new KubernetesApiError(
      typeof status.code === 'number' ? status.code : httpStatus,
      typeof status.reason === 'string' ? status.reason : 'Unknown',
      typeof status.message === 'string' ? status.message : typeof body === 'string' && body !== '' ? body.slice(0, 200) : 'no Status in the response',
    );
  }
}
