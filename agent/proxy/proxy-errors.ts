/** The outbound listener's refusals: one coded error, caught at the edge of its stack. */
import { WeftError } from '../../core/errors.js';

/** Why the proxy refused a connection; the reason is a label in logs and metrics. */
export type RefusalReason =
  | 'no_original_destination'
  | 'unknown_source_workload'
  | 'unknown_destination'
  | 'no_healthy_endpoint'
  | 'upstream_connect_failed'
  /** an AuthorizationPolicy of the destination workload denied the caller (here, or at the tunnel's end) */
  | 'authorization_denied';

export class ConnectionRefusedError extends WeftError {
  constructor(readonly reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CONNECTION_REFUSED', message, options);
  }
}
