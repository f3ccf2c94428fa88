/** The directory source's failures (file-source.ts), each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** The config directory itself cannot be read; a bad manifest in it is an issue, not this. */
export class ConfigError extends WeftError {
  constructor(message: string, readonly file?: string, readonly path?: string, readonly line?: number) {
    super('WEFT_ERR_CONFIG', message);
  }
}
