/** `weft authz check`'s own failure: the question cannot be asked (exit 2), as opposed to an answer of DENY (exit 1). */
import { WeftError } from '../../core/errors.js';

export class AuthzCheckUsageError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_AUTHZ_CHECK_USAGE', message);
  }
}
