/** Failures applying a matched route's filters; the proxy answers them with a 500. */
import { WeftError } from '../../core/errors.js';

/**
 * A ReplacePrefixMatch with no PathPrefix match to replace. The control
 * plane and the HttpRoute codec refuse such a rule, so this is a bug in the
 * caller (a hit's matchedPrefix not passed on), not a config error.
 */
export class PrefixNotMatchedError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_ROUTE_PREFIX_NOT_MATCHED', message);
  }
}
