/** The node's system setup (bpffs, capabilities) failing, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** The process lacks a privilege it needs (mounting bpffs), or its privileges cannot be read. */
export class PrivilegeError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_PRIVILEGE', message);
  }
}
