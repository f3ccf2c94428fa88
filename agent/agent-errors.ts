/** Why an agent cannot start: each with its stable code. */
import { WeftError } from '../core/errors.js';

/** No cgroup v2 hierarchy to attach the programs to (weft check says how to get one). */
export class NoCgroup2Error extends WeftError {
  constructor() {
    super('WEFT_ERR_NO_CGROUP2', 'no cgroup v2 mount found (see weft check)');
  }
}

/** Neither a control plane nor a local config feed was given. */
export class NoConfigSourceError extends WeftError {
  constructor() {
    super('WEFT_ERR_NO_CONFIG_SOURCE', 'the agent needs --control-plane or --config-dir');
  }
}
