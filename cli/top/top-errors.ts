/** `weft top`'s failures (cli/top/), each with a stable code. */
import { WeftError } from '../../core/errors.js';

/** An agent's metrics endpoint could not be read or parsed; `weft top` shows it as a warning and goes on. */
export class ScrapeError extends WeftError {
  constructor(readonly agent: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_SCRAPE', message, options);
  }
}
