/** The discovery server's own failures, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** The control plane could not listen on its address. */
export class ControlPlaneListenError extends WeftError {
  constructor(readonly address: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CONTROL_PLANE_LISTEN', message, options);
  }
}
