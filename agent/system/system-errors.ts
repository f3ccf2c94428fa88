/** The node's system setup (bpffs, capabilities) failing, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** The process lacks a privilege it needs (mounting bpffs), or its privileges cannot be read. */
export class PrivilegeError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_PRIVILEGE', message);
  }
}

/** A port the agent serves on is bound already; `holder` says by what, when this process can see it. */
export class PortInUseError extends WeftError {
  constructor(
    readonly port: number,
    readonly purpose: string,
    readonly holder: string | undefined,
  ) {
    super(
      'WEFT_ERR_PORT_IN_USE',
      `port ${port} (${purpose}) is in use${holder ? ` by ${holder}` : ' by a process this agent cannot see'}; ` +
        'another agent may still be draining on this node. This agent bound no port and changed nothing on the node',
    );
  }
}
