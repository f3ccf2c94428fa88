/** `weft demo`'s own failures, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** weft check found something the demo needs missing; the table printed beside it says what. */
export class DemoPreflightError extends WeftError {
  constructor() {
    super('WEFT_ERR_PREFLIGHT', 'this machine is missing what the demo needs (see the table below)');
  }
}
