/**
 * The Kubernetes source's failures. Kept beside the source because this
 * change may not edit agent/errors.ts; they belong there, with samples in
 * agent/errors.test.ts, once the source is wired into the CLI.
 */
import { WeftError } from '../../agent/errors.js';

/** No usable kubeconfig, or the API server could not be listed from in time. */
export class KubernetesSourceError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_KUBERNETES', message, options);
  }
}

/** The API server answered with a failure: an HTTP status, or a watch ERROR event, with its v1 Status. */
export class KubernetesApiError extends WeftError {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super('WEFT_ERR_KUBERNETES_API', `${status} ${reason}: ${message}`);
  }

  /** From a v1 Status object, or whatever body came with a failed response. */
  static fromStatus(httpStatus: number, body: unknown): KubernetesApiError {
    const status = (body ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
    return new KubernetesApiError(
      typeof status.code === 'number' ? status.code : httpStatus,
      typeof status.reason === 'string' ? status.reason : 'Unknown',
      typeof status.message === 'string' ? status.message : typeof body === 'string' ? body.slice(0, 200) : 'no Status in the response',
    );
  }
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
