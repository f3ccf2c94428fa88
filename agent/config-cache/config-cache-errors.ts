/** Why a node's cached config was not used: the file, and what was wrong with it. */
import { WeftError } from '../../core/errors.js';

/**
 * The cache could not be read, or what it holds is not a config this agent
 * would accept from the control plane. Never fatal: the agent reports it and
 * starts as a node that never had config (a bad cache is no worse than none).
 */
export class ConfigCacheError extends WeftError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('WEFT_ERR_CONFIG_CACHE', `the cached config ${file} is not used: ${problem}`, options);
  }
}
